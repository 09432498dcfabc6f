#!/usr/bin/env node
/**
 * The descent command line. Parses flags, calls the public API, prints
 * progress on stderr and results on stdout (one JSON line with --json).
 * Every failure is one line on stderr (the stack too with --verbose).
 */
import { EXIT, reportOf, UsageError } from './errors.js';
import { guardStandardStreams, writeErr } from './output.js';
import { endBySignal, exitCodeOf, STOP_SIGNALS } from './interrupt.js';
import { buildProgram } from './program.js';

const verbose = process.argv.includes('--verbose');

/** Reports what ended the command; returns the exit code. */
function report(error: unknown): number {
  const found = reportOf(error);
  if (found === null) return EXIT.ok;
  if (found.line !== '') writeErr(`${found.line}\n`);
  if (found.detail !== null && verbose) writeErr(`${found.detail}\n`);
  return found.exitCode;
}

async function main(argv: string[]): Promise<number> {
  try {
    if (argv.length <= 2) throw new UsageError('missing command: train, doctor, evaluate, predict, info or export', null);
    await buildProgram().parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    return report(error);
  }
}

guardStandardStreams();
// A process warning (descent's own: the native backend is missing) as one
// line of ours, without Node's "(node:PID)" prefix and its "Use `node
// --trace-warnings ...`" trailer: Node's printer is a 'warning' listener.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  writeErr(`${warning.message.startsWith('descent: ') ? '' : `descent: ${warning.name}: `}${warning.message}\n`);
});
// What no command caught (a late stream error, say) still ends as one line, not a stack.
process.on('uncaughtException', (error) => process.exit(report(error)));
process.on('unhandledRejection', (error) => process.exit(report(error)));
const code = await main(process.argv);
process.exitCode = code;
const stoppedBy = STOP_SIGNALS.find((signal) => exitCodeOf(signal) === code);
if (stoppedBy !== undefined) {
  // Stopped by a signal and cleaned up. What cannot be cancelled must not keep the process: a read of a
  // pipe that sends nothing blocks one of Node's threads, and even process.exit() waits for it. If the
  // process has not ended on its own by then, it ends by the signal itself (a shell reports the same status).
  setTimeout(() => endBySignal(stoppedBy), 250).unref();
}
