/** The shape of a layer kind: how it is written, resolved, and run by the reference driver. */
import type { PlanLayer } from '../../plan.js';
import type { Floats, InitName } from '../types.js';
import type { MaskKey } from './dropout-mask.js';

/** Where a descriptor stands while a plan is resolved. */
export interface ResolveContext {
  /** How messages name the descriptor, e.g. "plan[2]". */
  at: string;
  /** Its index in the plan. */
  index: number;
  /** The width of its input. */
  width: number;
  /** The next free offset in the parameter buffer. */
  offset: number;
  /** The initialisation of dense layers that name none. */
  defaultInit: InitName;
  /** Whether it is the plan's last descriptor. */
  last: boolean;
}

export interface ForwardArgs {
  params: Floats;
  /** The layer's input, (rows, inWidth). */
  x: Floats;
  /** The layer's output, (rows, outWidth). */
  y: Floats;
  rows: number;
  inWidth: number;
  outWidth: number;
  /** While training: the batch's dropout key and the layer's index; null in predict. */
  mask: (MaskKey & { layer: number }) | null;
}

export interface BackwardArgs extends ForwardArgs {
  grads: Floats;
  /** dL/dy, (rows, outWidth). */
  dy: Floats;
  /** Where dL/dx goes, (rows, inWidth), or null when nothing needs it. */
  dx: Floats | null;
}

export interface LayerKindOp<L extends PlanLayer> {
  readonly kind: L['kind'];
  /** The descriptor's own fields, for unknown-field messages. */
  readonly fields: readonly string[];
  /**
   * A descriptor of this kind as a user writes one, that may stand between
   * two hidden layers: tests insert it into plans to hold every kind's
   * native twin against this reference. Null for the output layer (always last, in every plan).
   */
  readonly example: Record<string, unknown> | null;
  /** Checks a user's descriptor and fills in what the plan stores. */
  resolve(spec: Record<string, unknown>, context: ResolveContext): L;
  /** Parameters it owns in the buffer. */
  parameterCount(layer: L): number;
  /** Its output width given its input width. */
  outputWidth(layer: L, inWidth: number): number;
  forward(layer: L, args: ForwardArgs): void;
  backward(layer: L, args: BackwardArgs): void;
}
