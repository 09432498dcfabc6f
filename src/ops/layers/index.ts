/** Every layer kind a plan may hold, by kind: the one table (twin: native/kernels/ops.h). */
import type { PlanLayer } from '../../plan.js';
import { activation } from './activation.js';
import { dense } from './dense.js';
import { dropout } from './dropout.js';
import { output } from './output.js';
import type { LayerKindOp } from './types.js';

export const LAYER_KINDS = { dense, activation, dropout, output } as const;

export type LayerKind = keyof typeof LAYER_KINDS;
export const LAYER_KIND_NAMES = Object.keys(LAYER_KINDS) as LayerKind[];

export function layerKind(kind: string): LayerKindOp<PlanLayer> {
  return (LAYER_KINDS as unknown as Record<string, LayerKindOp<PlanLayer>>)[kind];
}
