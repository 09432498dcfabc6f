/**
 * The reference driver: walks a plan layer by layer, forward and then
 * backward in reverse, in float32 (training) or float64 (the gradient
 * check). Each layer kind brings its own math (ops/layers/); nothing here
 * knows an activation or a depth.
 */
import { lossOp } from '../ops/losses/index.js';
import type { MaskKey } from '../ops/layers/dropout-mask.js';
import { layerKind } from '../ops/layers/index.js';
import type { Floats, OutputLossResult } from '../ops/types.js';
import type { OutputLayer, Plan } from '../plan.js';
import { activationOp } from '../ops/activations/index.js';
import type { LayerStatsCollector } from './layer-stats.js';

type FloatsConstructor = Float32ArrayConstructor | Float64ArrayConstructor;

export class ReferenceDriver {
  /** widths[i] is the input width of plan.layers[i]; the last entry is the output width. */
  readonly widths: number[];
  /** outputs[i] is the output of plan.layers[i], (maxBatch, widths[i + 1]). */
  private readonly outputs: Floats[];
  /** deltas[i] is dL/d(outputs[i]). */
  private readonly deltas: Floats[];
  /**
   * The statistics mode: when set, every training step (a call with a
   * dropout key) reports its hidden activations and gradients to it. Null
   * (the default) costs nothing.
   */
  stats: LayerStatsCollector | null = null;

  /**
   * Buffers for batches of up to maxBatch rows: every layer's output, and
   * with `backward` (the default) its gradient; forward() alone (predict)
   * needs none of the gradients.
   */
  constructor(
    readonly plan: Plan,
    readonly maxBatch: number,
    readonly Floats: FloatsConstructor = Float32Array,
    backward = true,
  ) {
    this.widths = ReferenceDriver.widthsOf(plan);
    this.outputs = plan.layers.map((_, i) => new Floats(maxBatch * this.widths[i + 1]));
    this.deltas = backward ? plan.layers.map((_, i) => new Floats(maxBatch * this.widths[i + 1])) : [];
  }

  /** The input width, then every layer's output width. */
  static widthsOf(plan: Plan): number[] {
    const widths = [plan.inputs];
    for (const layer of plan.layers) widths.push(layerKind(layer.kind).outputWidth(layer, widths[widths.length - 1]));
    return widths;
  }

  /** Runs layers [start, end) on x, the input of layer start; returns the last one's output (x itself when none ran). */
  private forwardTo(end: number, params: Floats, x: Floats, rows: number, mask: MaskKey | null, start = 0): Floats {
    let input = x;
    for (let i = start; i < end; i++) {
      const layer = this.plan.layers[i];
      layerKind(layer.kind).forward(layer, {
        params,
        x: input,
        y: this.outputs[i],
        rows,
        inWidth: this.widths[i],
        outWidth: this.widths[i + 1],
        mask: mask === null ? null : { ...mask, layer: i },
      });
      input = this.outputs[i];
      if (this.stats !== null && mask !== null && layer.kind === 'activation') this.stats.observeActivation(i, input, rows);
    }
    return input;
  }

  /** The index of the first layer (before the output) whose output on rows of x has a NaN or Infinity, or -1. */
  firstNonFiniteLayer(params: Floats, x: Floats, rows: number): number {
    let input = x;
    for (let i = 0; i < this.plan.layers.length - 1; i++) {
      input = this.forwardTo(i + 1, params, input, rows, null, i);
      for (let k = 0; k < rows * this.widths[i + 1]; k++) if (!Number.isFinite(input[k])) return i;
    }
    return -1;
  }

  /** The network's activated outputs (probabilities for softmax and sigmoid) for rows of x, into out. */
  forward(params: Floats, x: Floats, rows: number, out: Floats): void {
    const last = this.plan.layers.length - 1;
    const output = this.plan.layers[last] as OutputLayer;
    const logits = this.forwardTo(last, params, x, rows, null);
    const width = this.widths[last];
    for (let i = 0; i < rows * width; i++) out[i] = logits[i];
    const op = activationOp(output.activation);
    if (op.rowwise) for (let r = 0; r < rows; r++) op.forwardRow(out, r * width, width);
    else for (let i = 0; i < rows * width; i++) out[i] = op.forward(out[i]);
  }

  /** The loss of a batch alone, the forward pass and loss lossAndGradient starts with; writes dL/dz of the logits into the output's delta. */
  loss(params: Floats, x: Floats, labels: Int32Array | null, targets: Floats | null, rows: number, mask: MaskKey | null): OutputLossResult {
    const last = this.plan.layers.length - 1;
    const output = this.plan.layers[last] as OutputLayer;
    const logits = this.forwardTo(last, params, x, rows, mask);
    return lossOp(output.loss).rows({
      dz: this.deltas[last - 1],
      z: logits,
      labels,
      targets,
      rows,
      outputs: this.widths[last],
      act: activationOp(output.activation),
      scaleBatch: rows,
    });
  }

  /**
   * The loss of a batch and the gradient of its mean loss. grads has the
   * parameter layout; every parameter's gradient is overwritten. mask keys
   * the dropout masks (null: no dropout, as in predict).
   */
  lossAndGradient(
    params: Floats,
    grads: Floats,
    x: Floats,
    labels: Int32Array | null,
    targets: Floats | null,
    rows: number,
    mask: MaskKey | null,
  ): OutputLossResult {
    const layers = this.plan.layers;
    const last = layers.length - 1;
    // The loss writes dL/dz for the logits: the delta of the layer before the output.
    const result = this.loss(params, x, labels, targets, rows, mask);
    for (let i = last - 1; i >= 0; i--) {
      const layer = layers[i];
      layerKind(layer.kind).backward(layer, {
        params,
        grads,
        x: i > 0 ? this.outputs[i - 1] : x,
        y: this.outputs[i],
        dy: this.deltas[i],
        dx: i > 0 ? this.deltas[i - 1] : null,
        rows,
        inWidth: this.widths[i],
        outWidth: this.widths[i + 1],
        mask: mask === null ? null : { ...mask, layer: i },
      });
    }
    if (this.stats !== null && mask !== null) this.stats.observeGradients(grads);
    return result;
  }
}
