/**
 * Per-layer statistics of a training epoch, collected by a trainer created
 * with `probe: true` (both backends, the same definitions; the native twin
 * is native/kernels/layer_stats.h). The doctor reads them; normal training
 * never collects them.
 *
 * Over the steps an epoch applied (a failed batch is not counted):
 * - dense layers: the sum over steps of ||dL/dW||^2 and of ||W_after - W_before||^2,
 *   and ||W||^2 after the last step (weights only, not biases);
 * - hidden activation layers: the output values seen, the units whose
 *   output was exactly 0 on every row (dead), and the values in a
 *   saturated range (tanh |a| >= 0.99, sigmoid a <= 0.01 or a >= 0.99; none
 *   for other activations).
 */
import type { Floats } from '../ops/types.js';
import type { Plan } from '../plan.js';

export interface LayerStats {
  /** Index in plan.layers. */
  layer: number;
  kind: 'dense' | 'activation';
  /** Steps counted. */
  steps: number;
  /** Dense: sum over steps of the squared L2 norm of the weight gradient. */
  gradSquares: number;
  /** Dense: sum over steps of the squared L2 norm of the weight update. */
  updateSquares: number;
  /** Dense: squared L2 norm of the weights after the last step. */
  weightSquares: number;
  /** Activation: output units (the layer's width). */
  units: number;
  /** Activation: output values seen (rows x units over the steps). */
  values: number;
  /** Activation: units whose output was 0 on every row seen. */
  deadUnits: number;
  /** Activation: values in the activation's saturated range. */
  saturated: number;
}

/**
 * Whether an activation output is saturated: its derivative is under 2%
 * of its largest (1 - 0.99^2 ~ 0.02 for tanh; 0.01 * 0.99 / 0.25 ~ 0.04 for
 * sigmoid), so almost no gradient passes. Null for activations without a
 * saturated range.
 */
export function saturationTest(activation: unknown): ((a: number) => boolean) | null {
  if (activation === 'tanh') return (a) => a >= 0.99 || a <= -0.99;
  if (activation === 'sigmoid') return (a) => a <= 0.01 || a >= 0.99;
  return null;
}

interface ActivationTally {
  layer: number;
  units: number;
  saturated: ((a: number) => boolean) | null;
  /** alive[j]: unit j had a non-zero output on some row counted. */
  alive: Uint8Array;
  pendingAlive: Uint8Array;
  values: number;
  pendingValues: number;
  count: number;
  pendingCount: number;
}

interface DenseTally {
  layer: number;
  from: number;
  to: number;
  grad: number;
  pendingGrad: number;
  update: number;
}

/** The reference trainer's collector: the driver observes a step, the trainer commits it once applied. */
export class LayerStatsCollector {
  private readonly activations: ActivationTally[] = [];
  private readonly dense: DenseTally[] = [];
  private steps = 0;

  constructor(private readonly plan: Plan, widths: readonly number[]) {
    plan.layers.forEach((layer, index) => {
      if (layer.kind === 'dense') {
        this.dense.push({ layer: index, from: layer.weightOffset, to: layer.biasOffset, grad: 0, pendingGrad: 0, update: 0 });
      } else if (layer.kind === 'activation') {
        const units = widths[index + 1];
        this.activations.push({
          layer: index,
          units,
          saturated: saturationTest(layer.activation),
          alive: new Uint8Array(units),
          pendingAlive: new Uint8Array(units),
          values: 0,
          pendingValues: 0,
          count: 0,
          pendingCount: 0,
        });
      }
    });
  }

  /** A hidden activation layer's outputs y (rows, units) in the step being run. */
  observeActivation(layer: number, y: Floats, rows: number): void {
    const tally = this.activations.find((t) => t.layer === layer);
    if (tally === undefined) return;
    const { units, pendingAlive, saturated } = tally;
    let count = 0;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < units; j++) {
        const a = y[r * units + j];
        if (a !== 0) pendingAlive[j] = 1;
        if (saturated !== null && saturated(a)) count++;
      }
    }
    tally.pendingValues += rows * units;
    tally.pendingCount += count;
  }

  /** The step's gradient, in the parameter layout. */
  observeGradients(grads: Floats): void {
    for (const tally of this.dense) tally.pendingGrad = sumOfSquares(grads, tally.from, tally.to);
  }

  /** The squared norm of dense layer plan[layer]'s weight update in the step being committed. */
  observeUpdate(layer: number, squares: number): void {
    const tally = this.dense.find((t) => t.layer === layer);
    if (tally) tally.update += squares;
  }

  /** The step was applied: its observations count. */
  commit(): void {
    this.steps++;
    for (const t of this.dense) t.grad += t.pendingGrad;
    for (const t of this.activations) this.mergePending(t, true);
  }

  /** The step failed: its observations are dropped. */
  discard(): void {
    for (const t of this.activations) this.mergePending(t, false);
  }

  private mergePending(t: ActivationTally, keep: boolean): void {
    if (keep) {
      for (let j = 0; j < t.units; j++) t.alive[j] |= t.pendingAlive[j];
      t.values += t.pendingValues;
      t.count += t.pendingCount;
    }
    t.pendingAlive.fill(0);
    t.pendingValues = 0;
    t.pendingCount = 0;
  }

  /** The epoch's statistics, in plan order, with ||W||^2 from params; then starts a new epoch. */
  take(params: Floats): LayerStats[] {
    const empty = { gradSquares: 0, updateSquares: 0, weightSquares: 0, units: 0, values: 0, deadUnits: 0, saturated: 0 };
    const stats: LayerStats[] = [];
    for (const t of this.dense) {
      stats.push({ ...empty, layer: t.layer, kind: 'dense', steps: this.steps, gradSquares: t.grad, updateSquares: t.update, weightSquares: sumOfSquares(params, t.from, t.to) });
      t.grad = 0;
      t.update = 0;
    }
    for (const t of this.activations) {
      let dead = 0;
      for (let j = 0; j < t.units; j++) if (t.alive[j] === 0) dead++;
      stats.push({ ...empty, layer: t.layer, kind: 'activation', steps: this.steps, units: t.units, values: t.values, deadUnits: t.values === 0 ? 0 : dead, saturated: t.count });
      t.alive.fill(0);
      t.values = 0;
      t.count = 0;
    }
    this.steps = 0;
    return stats.sort((a, b) => a.layer - b.layer);
  }
}

export function sumOfSquares(values: Floats, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += values[i] * values[i];
  return sum;
}
