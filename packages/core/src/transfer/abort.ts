/** Abort plumbing: nested controllers (run → job → file → part attempt) and an abortable sleep. */
import { setMaxListeners } from 'node:events';

/** A controller aborted when `parent` aborts; `dispose()` detaches it so long runs do not pile up listeners. */
export interface ChildController {
  controller: AbortController;
  signal: AbortSignal;
  dispose(): void;
}

export function childController(parent: AbortSignal | undefined): ChildController {
  const controller = new AbortController();
  // Every part, waiter and sleep of a file listens on it: many listeners is the design, not a leak.
  setMaxListeners(0, controller.signal);
  if (!parent) return { controller, signal: controller.signal, dispose: () => {} };
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { controller, signal: controller.signal, dispose: () => {} };
  }
  const onAbort = (): void => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return { controller, signal: controller.signal, dispose: () => parent.removeEventListener('abort', onAbort) };
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Settles like `promise`, but rejects with `onTimeout()` when it takes longer than `ms`, or with the
 * signal's reason when it aborts: for calls that may never settle (a listing page on a dead socket).
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, signal: AbortSignal, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      reject(onTimeout());
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => { clearTimeout(timer); signal.removeEventListener('abort', onAbort); resolve(value); },
      (error: unknown) => { clearTimeout(timer); signal.removeEventListener('abort', onAbort); reject(error); },
    );
  });
}
