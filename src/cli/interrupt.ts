/**
 * Ctrl-C while a command can stop cleanly: the first SIGINT aborts the
 * signal handed to `run` (training stops between batches, predict between
 * chunks, and each cleans up); a second one exits at once. Both exit 130.
 */
import { EXIT, InterruptedError } from './errors.js';
import { writeErr } from './output.js';

export async function interruptible<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) {
      writeErr('descent: interrupted again: exiting at once\n');
      process.exit(EXIT.interrupted);
    }
    controller.abort(new InterruptedError('interrupted'));
  };
  process.on('SIGINT', onSigint);
  try {
    return await run(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/**
 * Lets a pending SIGINT be handled. The js backend yields to the event
 * loop only within long epochs; a run of short ones would otherwise keep
 * Ctrl-C waiting until training ends.
 */
export function yieldToSignals(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
