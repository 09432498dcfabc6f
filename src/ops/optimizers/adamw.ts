import type { Floats, OptimizerOp, UpdateHyper } from '../types.js';
import { adamUpdate } from './adam.js';

/** Adam with decoupled weight decay (Loshchilov and Hutter). */
export const adamw = {
  name: 'adamw',
  slots: 2,
  defaultLr: 0.002,
  defaultWeightDecay: 0.01,
  uses: ['beta1', 'beta2', 'epsilon'],
  update(p: Floats, g: Floats, [m, v]: readonly Floats[], count: number, h: UpdateHyper): void {
    adamUpdate(p, g, m, v, count, h, true);
  },
} as const satisfies OptimizerOp;
