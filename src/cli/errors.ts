/**
 * Errors as the command line reports them: always one line on stderr, and
 * an exit code that says which kind (usage 2, runtime 1, Ctrl-C 130,
 * SIGTERM 143, SIGHUP 129).
 */
import { CommanderError } from 'commander';
import { constants } from 'node:os';

export const EXIT = { ok: 0, runtime: 1, usage: 2 } as const;

/** A mistake in how a command was called: exit 2, pointing at the command's help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';

  constructor(
    message: string,
    /** The command whose --help to point at ('train'), or null for descent itself. */
    readonly command: string | null,
  ) {
    super(message);
  }
}

/** Ctrl-C, SIGTERM or SIGHUP: the command stopped where it could (training between batches). */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';

  constructor(
    message: string,
    /** The signal that stopped it: the exit code is 128 + its number. */
    readonly signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP' = 'SIGINT',
  ) {
    super(message);
  }
}

/** commander printed --help or --version (or a help page on a mistake): nothing more to say. */
export class HelpShown extends Error {
  override readonly name = 'HelpShown';

  constructor(readonly exitCode: number) {
    super('help shown');
  }
}

/**
 * A command that printed its answer, and the answer is a failure: the
 * doctor found errors. Nothing more on stderr; exit 1, so a script can
 * stop on it (\`descent doctor ... && descent train ...\`).
 */
export class FindingsFailed extends Error {
  override readonly name = 'FindingsFailed';
  readonly exitCode = EXIT.runtime;
}

/**
 * A commander error as a UsageError: "error: " dropped and its "(Did you
 * mean --epochs?)" on the same line.
 */
export function fromCommander(error: CommanderError, command: string | null): Error {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return new HelpShown(EXIT.ok);
  // `descent help` (0), or help printed for a mistake, as for `descent help no-such-command` (1).
  if (error.code === 'commander.help') return new HelpShown(error.exitCode === 0 ? EXIT.ok : EXIT.usage);
  const message = error.message
    .replace(/^error: /, '')
    // Our parsers' messages name the flag and the value already; commander's prefix would say it twice.
    .replace(/^option '\S+[^']*' argument '.*' is invalid\. (?=--)/s, '')
    .replace(/^option '(\S+)[^']*' argument '(.*)' is invalid\. Allowed choices are (.*)\.$/s, '$1 must be one of $3, received "$2"')
    .replace(/\s*\n\(Did you mean (.*)\?\)\s*$/s, '; did you mean $1?')
    .replace(/\s*\n\s*/g, ' ');
  return new UsageError(message, command);
}

/** The API's option names as the flags that set them, so a message names what the user typed. */
const FLAG_OF: Record<string, string> = {
  label: '--label',
  task: '--task',
  delimiter: '--delimiter',
  labelNames: "the model's labels",
  epochs: '--epochs',
  batchSize: '--batch-size',
  optimizer: '--optimizer',
  lr: '--lr',
  momentum: '--momentum',
  nesterov: '--nesterov',
  weightDecay: '--weight-decay',
  validation: '--val-fraction',
  earlyStopping: '--early-stopping',
  schedule: '--schedule',
  seed: '--seed',
  threads: '--threads',
  preprocess: '--preprocess',
  checkpoint: '--checkpoint',
  'checkpoint.every': '--checkpoint-every',
  'checkpoint.path': '--checkpoint',
  resume: '--resume',
};

/** "options.batchSize" -> "--batch-size" wherever the API's message names an option the CLI sets by a flag. */
export function withFlagNames(message: string): string {
  return message.replace(/\boptions\.([A-Za-z]+(?:\.[A-Za-z]+)?)/g, (whole, name: string) => FLAG_OF[name] ?? FLAG_OF[name.split('.')[0]] ?? whole);
}

export interface Report {
  /** What to print on stderr, one line. */
  line: string;
  /** The stack (and causes) to print after it with --verbose, if any. */
  detail: string | null;
  exitCode: number;
}

/** How an error that ended a command is reported. */
export function reportOf(error: unknown): Report | null {
  if (error instanceof HelpShown) return error.exitCode === EXIT.ok ? null : { line: '', detail: null, exitCode: error.exitCode };
  if (error instanceof FindingsFailed) return { line: '', detail: null, exitCode: error.exitCode };
  if (error instanceof UsageError) {
    const help = error.command === null ? 'descent --help' : `descent ${error.command} --help`;
    return { line: `descent: ${oneLine(error.message)} (see ${help})`, detail: null, exitCode: EXIT.usage };
  }
  const message = error instanceof Error ? error.message : String(error);
  const exitCode = error instanceof InterruptedError ? 128 + constants.signals[error.signal] : EXIT.runtime;
  return { line: `descent: ${withFlagNames(oneLine(message))}`, detail: stackOf(error), exitCode };
}

function oneLine(message: string): string {
  return message.trim().replace(/\s*\n\s*/g, '; ');
}

function stackOf(error: unknown): string | null {
  if (!(error instanceof Error) || error.stack === undefined) return null;
  let text = error.stack;
  for (let cause = error.cause; cause instanceof Error; cause = cause.cause) text += `\ncaused by: ${cause.stack ?? cause.message}`;
  return text;
}
