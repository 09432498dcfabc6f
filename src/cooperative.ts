/**
 * Long scans and copies written once, run two ways. A job is a generator
 * that yields between slices of its work (about SLICE_VALUES values each);
 * runNow runs it to the end at once (the synchronous API), runYielding
 * gives the event loop a turn whenever a few milliseconds have passed
 * (fit, predictAsync, evaluateAsync), so a server that trains in the
 * background keeps answering.
 */
export type Job<T> = Generator<void, T, void>;

/** Values a job handles between two yields: ~0.1-0.5 ms of a simple loop. */
export const SLICE_VALUES = 1 << 16;

/**
 * The longest a yielding job holds the event loop before giving it a
 * turn. A turn costs a setImmediate (a few microseconds), so slices of
 * 3 ms keep the overhead near 0.1% and stalls far below the 20 ms a
 * server notices.
 */
export const SLICE_MS = 3;

export function runNow<T>(job: Job<T>): T {
  for (;;) {
    const step = job.next();
    if (step.done) return step.value;
  }
}

export async function runYielding<T>(job: Job<T>, sliceMs: number = SLICE_MS): Promise<T> {
  for (;;) {
    const step = job.next();
    if (step.done) return step.value;
    if (performance.now() - lastTurn >= sliceMs) await yieldToEventLoop();
  }
}

/**
 * When the event loop last had a turn given by yieldToEventLoop. One clock
 * for every job: jobs awaited one after another run on microtasks, with no
 * turn of the loop between them, so each must count the time of those
 * before it (a fit's checks, split and preprocessing held the loop 15-20 ms
 * when each counted from its own start).
 */
let lastTurn = performance.now();

/** Notes a turn of the event loop that an await of other work gave (a native call's promise). */
export function turnTaken(): void {
  lastTurn = performance.now();
}

/** A turn of the event loop when the work since the last has passed sliceMs; else nothing. */
export async function yieldWhenDue(sliceMs: number = SLICE_MS): Promise<void> {
  if (performance.now() - lastTurn >= sliceMs) await yieldToEventLoop();
}

/** Resolves after the event loop has run its timers and I/O callbacks. */
export async function yieldToEventLoop(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  lastTurn = performance.now();
}

/** An array a job reads, with the length it had when the job began. */
export interface Watched {
  readonly name: string;
  readonly values: ArrayLike<unknown>;
  readonly length: number;
}

export function watch(name: string, values: ArrayLike<unknown>): Watched {
  return { name, values, length: values.length };
}

/**
 * A yield after which every array the job reads must still be whole: JS
 * may have run meanwhile, and a transferred buffer reads as empty.
 */
export function* pause(...reads: Watched[]): Job<void> {
  yield;
  expectWhole(...reads);
}

/** Throws when an array a job reads lost its length since it was watched. */
export function expectWhole(...reads: Watched[]): void {
  for (const { name, values, length } of reads) {
    if (values.length !== length) {
      throw new TypeError(`${name} changed length (its buffer transferred?) while it was being read: it had ${length} values, now ${values.length}`);
    }
  }
}

/** The index of the first non-finite value in values (called name), or -1; yields between slices. */
export function* firstNonFiniteJob(name: string, values: Float32Array): Job<number> {
  const reads = watch(name, values);
  for (let start = 0; start < reads.length; start += SLICE_VALUES) {
    const end = Math.min(reads.length, start + SLICE_VALUES);
    for (let i = start; i < end; i++) if (!Number.isFinite(values[i])) return i;
    yield* pause(reads);
  }
  return -1;
}

/** Rows of `width` values that make one slice (at least one row). */
export function rowsPerSlice(width: number): number {
  return Math.max(1, Math.floor(SLICE_VALUES / Math.max(1, width)));
}
