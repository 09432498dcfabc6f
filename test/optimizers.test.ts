import { describe, expect, it } from 'vitest';
import { optimizerUpdate } from '../src/backend/reference-kernels.js';
import type { UpdateHyper } from '../src/ops/types.js';
import { updateHyper } from './support/optimizer.js';

const base: UpdateHyper = updateHyper();

/** Runs `steps` updates of one parameter with a constant gradient, in float64. */
function run(h: Partial<UpdateHyper>, p0: number, g: number, steps: number): number {
  const p = new Float64Array([p0]);
  const moments = new Float64Array(2);
  for (let t = 1; t <= steps; t++) optimizerUpdate(p, new Float64Array([g]), moments, 1, { ...base, ...h, step: t });
  return p[0];
}

describe('optimizer updates match their definitions', () => {
  it('sgd with and without L2 decay', () => {
    expect(run({}, 1, 0.5, 1)).toBeCloseTo(1 - 0.1 * 0.5, 12);
    expect(run({ weightDecay: 0.2 }, 1, 0.5, 1)).toBeCloseTo(1 - 0.1 * (0.5 + 0.2), 12);
  });

  it('momentum accumulates velocity; Nesterov looks ahead', () => {
    const kind = 'momentum';
    // v1 = g, p1 = p0 - lr g; v2 = 0.9 g + g, p2 = p1 - lr v2
    expect(run({ kind }, 1, 0.5, 2)).toBeCloseTo(1 - 0.1 * 0.5 - 0.1 * 1.9 * 0.5, 12);
    // Nesterov: p -= lr (g + mu v)
    expect(run({ kind, nesterov: true }, 1, 0.5, 1)).toBeCloseTo(1 - 0.1 * (0.5 + 0.9 * 0.5), 12);
  });

  it("adam's first step moves each parameter by about lr, whatever the gradient's scale", () => {
    const kind = 'adam';
    expect(run({ kind, lr: 0.01 }, 1, 1e-3, 1)).toBeCloseTo(1 - 0.01, 6);
    expect(run({ kind, lr: 0.01 }, 1, -50, 1)).toBeCloseTo(1 + 0.01, 6);
    // With a constant gradient the bias-corrected step stays lr.
    expect(run({ kind, lr: 0.01 }, 1, 0.3, 10)).toBeCloseTo(1 - 0.1, 5);
  });

  it('adamw decays the weight directly; adam adds the decay to the gradient', () => {
    // Zero gradient: AdamW still shrinks the weight by lr * wd * p.
    expect(run({ kind: 'adamw', lr: 0.1, weightDecay: 0.5 }, 2, 0, 1)).toBeCloseTo(2 - 0.1 * 0.5 * 2, 12);
    // Adam turns the same decay into a gradient, then normalises it away: a step of lr.
    expect(run({ kind: 'adam', lr: 0.1, weightDecay: 0.5 }, 2, 0, 1)).toBeCloseTo(2 - 0.1, 6);
  });
});
