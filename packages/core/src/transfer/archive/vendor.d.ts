/** Types for unbzip2-stream, which ships none: a factory of a classic (through) duplex stream. */
declare module 'unbzip2-stream' {
  import type { Stream } from 'node:stream';
  function unbzip2Stream(): Stream & NodeJS.WritableStream & NodeJS.ReadableStream;
  export default unbzip2Stream;
}
