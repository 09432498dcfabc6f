/**
 * Where predict writes its CSV: stdout, or a file replaced atomically:
 * the text goes to a temp file beside it, flushed and renamed over it only
 * when complete, so a failure or Ctrl-C leaves the old file as it was.
 * A character device or FIFO (/dev/null, /dev/stdout on a pipe) is written
 * in place, as stdout is (src/io/atomic-write.ts).
 */
import { openAtomicFile } from '../io/atomic-write.js';
import { writeOut } from './output.js';

export interface TextSink {
  write(text: string): Promise<void>;
  /** Everything is written: make it the output. */
  commit(): Promise<void>;
  /** Give up: leave no partial output behind (a file sink only). */
  abort(): Promise<void>;
  /** Whether what is written goes out as it is written (stdout, a device, a FIFO), so abort cannot take it back. */
  readonly inPlace: boolean;
}

export const stdoutSink: TextSink = {
  write: writeOut,
  commit: async () => {},
  abort: async () => {},
  inPlace: true,
};

export async function atomicFileSink(flag: string, path: string): Promise<TextSink> {
  const file = await openAtomicFile(path, { name: `${flag} ${path}` });
  return {
    write: (text) => file.write(text),
    commit: () => file.commit(),
    abort: () => file.abort(),
    inPlace: file.inPlace,
  };
}
