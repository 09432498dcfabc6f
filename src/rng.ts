/**
 * A small seeded PRNG (xoshiro128**, seeded through splitmix32) so the same
 * seed gives the same weights, the same split and the same batch order on
 * every backend and every machine.
 */
import { runNow, SLICE_VALUES, type Job } from './cooperative.js';

/** Swaps a shuffle makes between two yields: random reads and writes cost several times a scan's. */
const SHUFFLE_SLICE = SLICE_VALUES / 4;

export class Rng {
  /**
   * The 128-bit state, in a typed array: its words stay unboxed 32-bit
   * integers (as plain fields they became heap numbers past 2^30, and a
   * Fisher-Yates shuffle of 54,000 rows took 4-8 ms instead of about 1).
   */
  private readonly s = new Uint32Array(4);
  private spareNormal: number | undefined;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = (): number => {
      // splitmix32: spreads a small integer seed over the 128-bit state.
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    for (let i = 0; i < 4; i++) this.s[i] = next();
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const s0 = s[0];
    const s1 = s[1];
    const s2 = s[2] ^ s0;
    const s3 = s[3] ^ s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    s[1] = s1 ^ s2;
    s[0] = s0 ^ s3;
    s[2] = s2 ^ (s1 << 9);
    s[3] = rotl(s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of randomness. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer uniform in [0, n), without modulo bias. */
  integer(n: number): number {
    const limit = 4294967296 - (4294967296 % n);
    let r = this.nextUint32();
    while (r >= limit) r = this.nextUint32();
    return r % n;
  }

  /** Standard normal by the Box-Muller transform. */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: number }>(values: T): T {
    return runNow(this.shuffleJob(values));
  }

  /**
   * The same shuffle as a job that yields every SHUFFLE_SLICE swaps (a
   * million rows take tens of ms; before the JIT has compiled it, 16,384
   * swaps take about 2 ms).
   */
  *shuffleJob<T extends { length: number; [i: number]: number }>(values: T): Job<T> {
    for (let i = values.length - 1; i > 0; ) {
      const end = Math.max(0, i - SHUFFLE_SLICE);
      for (; i > end; i--) {
        const j = this.integer(i + 1);
        const tmp = values[i];
        values[i] = values[j];
        values[j] = tmp;
      }
      if (i > 0) yield;
    }
    return values;
  }

  /**
   * The generator's position, as plain numbers: a generator made with
   * Rng.fromState(state) continues the same sequence (checkpoints keep it).
   */
  state(): number[] {
    const words = Array.from(this.s);
    return this.spareNormal === undefined ? words : [...words, this.spareNormal];
  }

  static fromState(state: readonly number[]): Rng {
    const words = state.slice(0, 4);
    if ((state.length !== 4 && state.length !== 5) || !words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) || words.every((w) => w === 0)) {
      throw new RangeError(`an Rng state must be 4 unsigned 32-bit words, not all zero (and an optional spare normal), received [${state.join(', ')}]`);
    }
    const rng = new Rng(0);
    rng.s.set(words);
    rng.spareNormal = state.length === 5 ? state[4] : undefined;
    return rng;
  }

  /** An independent generator derived from this one (for a sub-task). */
  fork(): Rng {
    return new Rng(this.nextUint32());
  }
}

/** x rotated left by k bits, as a signed 32-bit integer (callers store it in a Uint32Array or take >>> 0). */
function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** 0, 1, ..., n-1 shuffled by a generator. */
export function shuffledIndices(n: number, rng: Rng): Uint32Array {
  return runNow(shuffledIndicesJob(n, rng));
}

export function* shuffledIndicesJob(n: number, rng: Rng): Job<Uint32Array> {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return yield* rng.shuffleJob(order);
}
