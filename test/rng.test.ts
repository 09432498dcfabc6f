/**
 * The seeded generator is part of every model's reproducibility: the same
 * seed gives the same weights, splits and batch orders in every release,
 * so its sequence is pinned here (values from the release before the
 * generator's state moved into a typed array), and the sliced shuffle fit
 * uses gives the one-piece shuffle's order.
 */
import { describe, expect, it } from 'vitest';
import { Rng, shuffledIndices, shuffledIndicesJob } from '../src/rng.js';
import { runNow } from '../src/cooperative.js';

const hash = (values: Uint32Array): number => values.reduce((h, v) => (Math.imul(h, 31) + v) >>> 0, 0);

describe('Rng', () => {
  it('gives the pinned xoshiro128** sequence for seed 0', () => {
    const rng = new Rng(0);
    expect(Array.from({ length: 6 }, () => rng.nextUint32())).toEqual([3809008728, 1133695204, 53579671, 2891528803, 139681546, 2203266335]);
  });

  it('shuffles as before, in one piece and in slices', () => {
    expect(Array.from(shuffledIndices(12, new Rng(3)))).toEqual([1, 11, 0, 3, 8, 9, 4, 2, 6, 10, 5, 7]);
    expect(hash(shuffledIndices(200_000, new Rng(9)))).toBe(3022770188);
    const job = shuffledIndicesJob(200_000, new Rng(9));
    let slices = 0;
    for (let step = job.next(); ; step = job.next()) {
      if (step.done) {
        expect(hash(step.value)).toBe(3022770188);
        break;
      }
      slices++;
    }
    // 200,000 swaps in slices of 16,384: the event loop gets twelve turns.
    expect(slices).toBe(12);
    expect(hash(runNow(shuffledIndicesJob(200_000, new Rng(9))))).toBe(3022770188);
  });

  it('its state, spare normal included, continues the same sequence', () => {
    const rng = new Rng(5);
    rng.normal();
    expect(rng.state()).toEqual([935715173, 2178520969, 2211049720, 4102108712, -0.5119439544636761]);
    const copy = Rng.fromState(rng.state());
    expect([copy.normal(), copy.nextUint32()]).toEqual([rng.normal(), rng.nextUint32()]);
  });
});
