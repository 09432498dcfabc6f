import type { Floats, OptimizerOp, UpdateHyper } from '../types.js';

/**
 * The Adam step on bias-corrected moments. With decoupled decay (AdamW)
 * p -= lr wd p first and the moments see g alone; otherwise the L2 term
 * wd p is added to g.
 */
export function adamUpdate(p: Floats, g: Floats, m: Floats, v: Floats, count: number, h: UpdateHyper, decoupled: boolean): void {
  const { lr, weightDecay: wd, beta1, beta2, epsilon } = h;
  const correction1 = 1 - Math.pow(beta1, h.step);
  const correction2 = 1 - Math.pow(beta2, h.step);
  for (let i = 0; i < count; i++) {
    let grad = g[i];
    if (decoupled) p[i] -= lr * wd * p[i];
    else grad += wd * p[i];
    m[i] = beta1 * m[i] + (1 - beta1) * grad;
    v[i] = beta2 * v[i] + (1 - beta2) * grad * grad;
    p[i] -= (lr * (m[i] / correction1)) / (Math.sqrt(v[i] / correction2) + epsilon);
  }
}

export const adam = {
  name: 'adam',
  slots: 2,
  defaultLr: 0.002,
  defaultWeightDecay: 0,
  uses: ['beta1', 'beta2', 'epsilon'],
  update(p: Floats, g: Floats, [m, v]: readonly Floats[], count: number, h: UpdateHyper): void {
    adamUpdate(p, g, m, v, count, h, false);
  },
} as const satisfies OptimizerOp;
