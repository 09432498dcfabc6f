import type { Floats, OptimizerOp, UpdateHyper } from '../types.js';

/** p -= lr (g + wd p). */
export const sgd = {
  name: 'sgd',
  slots: 0,
  defaultLr: 0.1,
  defaultWeightDecay: 0,
  uses: [],
  update(p: Floats, g: Floats, _state: readonly Floats[], count: number, h: UpdateHyper): void {
    const { lr, weightDecay: wd } = h;
    for (let i = 0; i < count; i++) p[i] -= lr * (g[i] + wd * p[i]);
  },
} as const satisfies OptimizerOp;
