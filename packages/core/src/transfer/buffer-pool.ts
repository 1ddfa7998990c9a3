/**
 * Write buffers that outlive the reads using them. A body's chunks are copied into one of these and
 * dropped at once, so they die young; holding the chunks themselves until a batch was written kept
 * them alive into V8's old generation (measured on a 2 GiB download: 6.3 s of user CPU holding
 * chunks, 4.9 s copying them, the copy included).
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  /**
   * @param size every pooled buffer's length (a read's full batch)
   * @param maxFree buffers kept for reuse at most; more are left to the garbage collector
   */
  constructor(readonly size: number, private readonly maxFree: number) {}

  /** A buffer of exactly `bytes`: a pooled one when that is the pool's size, else a fresh one. */
  take(bytes: number): Buffer {
    if (bytes !== this.size) return Buffer.allocUnsafe(bytes);
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  /** Gives a buffer back once nothing reads or writes it any more. */
  give(buffer: Buffer): void {
    if (buffer.length === this.size && this.free.length < this.maxFree) this.free.push(buffer);
  }
}
