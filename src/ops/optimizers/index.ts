/** Every optimizer descent knows, by name: the one table (twin: native/kernels/ops.h). */
import type { Floats, OptimizerOp, UpdateHyper } from '../types.js';
import { adam } from './adam.js';
import { adamw } from './adamw.js';
import { momentum } from './momentum.js';
import { sgd } from './sgd.js';

export const OPTIMIZERS_BY_NAME = { sgd, momentum, adam, adamw } as const satisfies Record<string, OptimizerOp>;

export type OptimizerName = keyof typeof OPTIMIZERS_BY_NAME;
export const OPTIMIZERS = Object.keys(OPTIMIZERS_BY_NAME) as OptimizerName[];

export function optimizerOp(name: string): OptimizerOp {
  return (OPTIMIZERS_BY_NAME as Record<string, OptimizerOp>)[name];
}

/**
 * One update of p[0..count) with state laid out slot after slot:
 * slot k of parameter i at moments[k * count + i] (moments may be null
 * for an optimizer without state). The kernel-level twin of the native
 * optimizerUpdate.
 */
export function optimizerUpdate(p: Floats, g: Floats, moments: Floats | null, count: number, h: UpdateHyper): void {
  const op = optimizerOp(h.kind);
  const state = Array.from({ length: op.slots }, (_, k) => moments!.subarray(k * count, (k + 1) * count));
  op.update(p, g, state, count, h);
}
