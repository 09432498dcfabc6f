/**
 * Where the command line writes: results on stdout, progress and errors
 * on stderr. A reader that goes away ends things quietly: a closed stdout
 * (`descent ... | head -1`) exits 0 at once, a closed stderr just stops
 * the progress and messages while the run goes on.
 */
import { EXIT } from './errors.js';

let stderrOpen = true;

function isBrokenPipe(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

/** Installs the handlers; call once, before anything is written. */
export function guardStandardStreams(): void {
  process.stdout.on('error', (error) => {
    if (isBrokenPipe(error)) process.exit(EXIT.ok);
    writeErr(`descent: cannot write to stdout: ${error.message}\n`);
    process.exit(EXIT.runtime);
  });
  process.stderr.on('error', () => {
    stderrOpen = false;
  });
}

/** Whether stderr still has a reader (progress stops drawing when it has not). */
export function stderrWritable(): boolean {
  return stderrOpen && !process.stderr.destroyed;
}

export function writeErr(text: string): void {
  if (stderrWritable()) process.stderr.write(text);
}

/** Writes to stdout, resolving once the stream can take more (bounded memory for long outputs). */
export function writeOut(text: string): Promise<void> {
  if (process.stdout.write(text)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      process.stdout.off('drain', done);
      process.stdout.off('close', done);
      resolve();
    };
    process.stdout.on('drain', done);
    process.stdout.on('close', done);
  });
}

/** The --json result: one object, on the last line of stdout. */
export function printJson(value: unknown): Promise<void> {
  return writeOut(`${JSON.stringify(value)}\n`);
}

export function printLines(lines: readonly string[]): Promise<void> {
  return writeOut(lines.map((line) => `${line}\n`).join(''));
}
