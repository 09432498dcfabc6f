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
 * 4 ms keep the overhead near 0.1% and stalls far below the 20 ms a
 * server notices.
 */
export const SLICE_MS = 4;

export function runNow<T>(job: Job<T>): T {
  for (;;) {
    const step = job.next();
    if (step.done) return step.value;
  }
}

export async function runYielding<T>(job: Job<T>, sliceMs: number = SLICE_MS): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const step = job.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
  }
}

/** Resolves after the event loop has run its timers and I/O callbacks. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The index of the first non-finite value in values, or -1; yields between slices. */
export function* firstNonFiniteJob(values: Float32Array): Job<number> {
  for (let start = 0; start < values.length; start += SLICE_VALUES) {
    const end = Math.min(values.length, start + SLICE_VALUES);
    for (let i = start; i < end; i++) if (!Number.isFinite(values[i])) return i;
    yield;
  }
  return -1;
}

/** Rows of `width` values that make one slice (at least one row). */
export function rowsPerSlice(width: number): number {
  return Math.max(1, Math.floor(SLICE_VALUES / Math.max(1, width)));
}
