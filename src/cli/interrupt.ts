/**
 * Stopping cleanly on Ctrl-C (SIGINT), and on SIGTERM and SIGHUP (what
 * `docker stop`, Kubernetes and a closed terminal send): the first one
 * aborts the signal handed to `run` (training stops between batches,
 * predict between chunks, and each cleans up its temp files); a second
 * one ends the process at once. The exit code is 128 + the signal's
 * number, as a shell reports a process the signal ended: 130, 143, 129.
 */
import { constants } from 'node:os';
import { removeTempsInFlight } from '../io/temp-files.js';
import { InterruptedError } from './errors.js';
import { writeErr } from './output.js';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

export async function interruptible<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (signal: StopSignal) => {
    if (controller.signal.aborted) {
      writeErr(`descent: ${signal === 'SIGINT' ? 'interrupted' : signal} again: exiting at once\n`);
      endBySignal(signal);
    }
    controller.abort(new InterruptedError(interruptedWords(signal), signal));
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  try {
    return await run(controller.signal);
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
}

/**
 * The work's result, or, once abort fires, an InterruptedError naming the
 * signal (`what` says what was stopped: "while reading the data"). For work
 * that cannot stop between steps and leaves nothing to clean up, as a read
 * of the data: it is left to the exit (see endBySignal).
 */
export function abortable<T>(work: Promise<T>, abort: AbortSignal, what: string): Promise<T> {
  return settledOrAborted(work, abort, () => {
    throw interruption(abort, what);
  });
}

/**
 * work's outcome, or what onAbort returns (or throws) once abort fires,
 * whichever comes first. The abort listener goes when work settles: a
 * Promise.race against one promise of the abort would keep every result
 * reachable from that promise's reactions.
 */
function settledOrAborted<T, U>(work: Promise<T>, abort: AbortSignal, onAbort: () => U): Promise<T | U> {
  if (abort.aborted) return new Promise<U>((resolve) => resolve(onAbort()));
  return new Promise<T | U>((resolve, reject) => {
    const aborted = (): void => {
      try {
        resolve(onAbort());
      } catch (error) {
        reject(error);
      }
    };
    abort.addEventListener('abort', aborted, { once: true });
    work.then(
      (value) => {
        abort.removeEventListener('abort', aborted);
        resolve(value);
      },
      (error: unknown) => {
        abort.removeEventListener('abort', aborted);
        reject(error);
      },
    );
  });
}

function interruption(abort: AbortSignal, what: string): InterruptedError {
  const signal = stopSignalOf(abort);
  return new InterruptedError(`${interruptedWords(signal)} ${what}`, signal);
}

/**
 * Ends the process by the signal itself, at once: temp files in flight
 * removed, the handler put back to the default and the signal raised again.
 * Not process.exit(): it waits for Node's threads, and a thread blocked in
 * a read of a pipe that sends nothing never returns. A shell reports the
 * same status (128 + the signal's number).
 */
export function endBySignal(signal: StopSignal): never {
  removeTempsInFlight();
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  // The signal's default action ends the process before this line; should it not, exit.
  process.exit(exitCodeOf(signal));
}

/** The signal that aborted `abort` (SIGINT when it was aborted otherwise). */
export function stopSignalOf(abort: AbortSignal): StopSignal {
  const reason: unknown = abort.reason;
  return reason instanceof InterruptedError ? reason.signal : 'SIGINT';
}

/** "interrupted" for Ctrl-C, "interrupted by SIGTERM" for the others: how a message starts. */
export function interruptedWords(signal: StopSignal): string {
  return signal === 'SIGINT' ? 'interrupted' : `interrupted by ${signal}`;
}

export function exitCodeOf(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

/**
 * The items of source until abort. An abort while source waits (predict
 * reading a pipe that has nothing more yet) ends the loop at once; the read
 * still waiting is left to the exit (main.ts exits an interrupted command
 * without waiting for it).
 */
export async function* untilAborted<T>(source: AsyncIterable<T>, abort: AbortSignal): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let waiting = false;
  try {
    for (;;) {
      const next = iterator.next();
      // Settled after the loop has gone: its failure is of no interest then.
      next.catch(() => undefined);
      waiting = true;
      const step = await nextOrAbort(next, abort);
      if (step === null) return;
      waiting = false;
      if (step.done) return;
      yield step.value;
    }
  } finally {
    // Ended early (an abort, a break, an error): close the source as for-await would,
    // without waiting when its read is still pending (return() queues behind it).
    if (waiting) void iterator.return?.()?.catch(() => undefined);
    else await iterator.return?.();
  }
}

/** The next item, or null once abort fires (predict over a million rows held all its chunks when this raced one promise of the abort). */
function nextOrAbort<T>(next: Promise<IteratorResult<T>>, abort: AbortSignal): Promise<IteratorResult<T> | null> {
  return settledOrAborted(next, abort, () => null);
}

/**
 * Lets a pending SIGINT be handled. The js backend yields to the event
 * loop only within long epochs; a run of short ones would otherwise keep
 * Ctrl-C waiting until training ends.
 */
export function yieldToSignals(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
