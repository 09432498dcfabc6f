/**
 * The shapes of registry entries. Each activation, loss, optimizer and
 * layer kind is one small module holding its name, its defaults and its
 * reference math; the index file of its folder is the one table of names.
 * The native addon has the same tables (native/kernels/ops.h) and the
 * loader checks that the two agree.
 */
import type { TargetRange } from '../data/dataset.js';

export type Floats = Float32Array | Float64Array;

export const INITS = ['he', 'glorot', 'uniform'] as const;
export type InitName = (typeof INITS)[number];

/** An activation applied unit by unit: a = f(z). */
export interface ElementwiseActivation {
  readonly name: string;
  readonly rowwise: false;
  /** May follow a hidden dense layer. */
  readonly hidden: boolean;
  /** May be a network's output activation. */
  readonly output: boolean;
  /** The initialisation that suits dense units feeding this activation. */
  readonly init: InitName;
  /**
   * He initialisation's variance factor for dense units feeding this
   * activation: 1 / E[f(z)^2] for z ~ N(0, 1), so that the activations
   * keep a second moment of about 1 from layer to layer (2 for ReLU: He et
   * al. exactly; computed by quadrature for the others).
   */
  readonly gain2: number;
  /**
   * What the backward pass reads: 'output' when f' is a function of a alone
   * (so a kernel may overwrite z with a), 'input' when it needs z.
   */
  readonly derivative: 'output' | 'input';
  /** For an output activation: the loss that fits it when none is named. */
  readonly defaultLoss?: string;
  forward(z: number): number;
  /** da/dz at z, given a = f(z). */
  grad(z: number, a: number): number;
}

/** An activation of a whole row (softmax): output only. */
export interface RowwiseActivation {
  readonly name: string;
  readonly rowwise: true;
  readonly hidden: false;
  readonly output: true;
  readonly init: InitName;
  readonly derivative: 'row';
  readonly gain2: number;
  readonly defaultLoss?: string;
  /** y[start .. start+cols) = f(y[start .. start+cols)) in place. */
  forwardRow(y: Floats, start: number, cols: number): void;
  /** dz = J^T dy for one row, given its activated outputs a. */
  vjpRow(dz: Floats, dy: Floats, a: Floats, start: number, cols: number): void;
}

export type ActivationOp = ElementwiseActivation | RowwiseActivation;

/** Per-batch totals of an output-loss kernel. */
export interface OutputLossResult {
  /** Sum over the rows of each sample's loss (divide by the rows for the mean). */
  lossSum: number;
  /** Rows whose predicted class equals their label (0 without labels). */
  correct: number;
}

/**
 * The target of output unit j of row r: a float target, or one-hot (0/1
 * for a single output unit) from a class label.
 */
export function targetOf(labels: Int32Array | null, targets: Floats | null, r: number, j: number, outputs: number): number {
  if (targets !== null) return targets[r * outputs + j];
  const label = labels![r];
  return outputs === 1 ? label : label === j ? 1 : 0;
}

/** Arguments of a loss kernel over a block of rows. */
export interface LossRows {
  /** dL/dz, (rows, outputs); may not alias z. */
  dz: Floats;
  /** The logits, (rows, outputs); left unchanged. */
  z: Floats;
  labels: Int32Array | null;
  targets: Floats | null;
  rows: number;
  outputs: number;
  act: ActivationOp;
  /** The gradient is of the mean over this many samples (the whole batch). */
  scaleBatch: number;
}

export interface LossOp {
  readonly name: string;
  /** The output activations it accepts. */
  readonly outputs: readonly string[];
  /** Trains on class labels only (no float targets). */
  readonly needsLabels: boolean;
  /** The float targets it takes, when not every finite value (checked with the data, for both backends). */
  readonly targetRange?: TargetRange;
  /**
   * The output activation, the loss and dL/dz in one pass from the logits;
   * for labelled rows it also counts the correct predictions.
   */
  rows(args: LossRows): OutputLossResult;
  /** One sample's loss from its activated outputs a[row .. row+width) and its targets. */
  sampleLoss(a: Floats, row: number, width: number, target: (j: number) => number): number;
}

/** The optimizer settings, declared once; each optimizer reads the ones it uses. */
export interface OptimizerSettings {
  readonly kind: string;
  /** Momentum coefficient ('momentum'). */
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** L2 decay on weights (never biases); decoupled for AdamW. */
  readonly weightDecay: number;
}

/** The settings of one update. */
export interface UpdateHyper extends OptimizerSettings {
  readonly lr: number;
  /** 1-based count of updates so far, this one included (Adam's bias correction). */
  readonly step: number;
}

export interface OptimizerOp {
  readonly name: string;
  /** State slots per parameter (velocity, moments), laid out like the parameters. */
  readonly slots: number;
  readonly defaultLr: number;
  readonly defaultWeightDecay: number;
  /** The settings (beyond lr and weightDecay) it reads, for error messages. */
  readonly uses: readonly ('momentum' | 'nesterov' | 'beta1' | 'beta2' | 'epsilon')[];
  /** One update of count parameters; state[k] is slot k over the same count. */
  update(p: Floats, g: Floats, state: readonly Floats[], count: number, h: UpdateHyper): void;
}
