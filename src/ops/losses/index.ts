/** Every loss descent knows, by name: the one table (twin: native/kernels/ops.h). */
import type { LossOp } from '../types.js';
import { binaryCrossEntropy } from './binary-cross-entropy.js';
import { crossEntropy } from './cross-entropy.js';
import { mse } from './mse.js';

export const LOSSES_BY_NAME = {
  'cross-entropy': crossEntropy,
  'binary-cross-entropy': binaryCrossEntropy,
  mse,
} as const satisfies Record<string, LossOp>;

export type LossName = keyof typeof LOSSES_BY_NAME;
export const LOSSES = Object.keys(LOSSES_BY_NAME) as LossName[];

export function lossOp(name: string): LossOp {
  return (LOSSES_BY_NAME as Record<string, LossOp>)[name];
}
