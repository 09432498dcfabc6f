import type { Floats, OptimizerOp, UpdateHyper } from '../types.js';

/** v = mu v + (g + wd p); p -= lr v, or with Nesterov p -= lr (g + wd p + mu v). */
export const momentum = {
  name: 'momentum',
  slots: 1,
  defaultLr: 0.01,
  defaultWeightDecay: 0,
  uses: ['momentum', 'nesterov'],
  update(p: Floats, g: Floats, [v]: readonly Floats[], count: number, h: UpdateHyper): void {
    const { lr, weightDecay: wd, momentum: mu } = h;
    for (let i = 0; i < count; i++) {
      const grad = g[i] + wd * p[i];
      v[i] = mu * v[i] + grad;
      p[i] -= lr * (h.nesterov ? grad + mu * v[i] : v[i]);
    }
  },
} as const satisfies OptimizerOp;
