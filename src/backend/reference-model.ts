/**
 * A whole network's forward and backward pass over the reference kernels,
 * in float32 (training) or float64 (the gradient check).
 */
import { ActivationCode, LossCode } from '../spec.js';
import { parameterLayout, type ParameterLayout } from '../layout.js';
import type { ModelShape } from './types.js';
import {
  denseBackward,
  denseForward,
  outputLoss,
  type Floats,
  type OutputLossResult,
} from './reference-kernels.js';

type FloatsConstructor = Float32ArrayConstructor | Float64ArrayConstructor;

export class ReferenceModel {
  readonly layout: ParameterLayout;
  private readonly hiddenCode: number;
  private readonly outputCode: number;
  private readonly lossCode: number;
  /** activations[l] is layer l's output (batch, sizes[l+1]); the last holds logits. */
  private readonly activations: Floats[];
  /** deltas[l] is dL/d(activations[l]). */
  private readonly deltas: Floats[];

  constructor(
    readonly shape: ModelShape,
    readonly maxBatch: number,
    readonly Floats: FloatsConstructor = Float32Array,
  ) {
    this.layout = parameterLayout(shape.sizes);
    this.hiddenCode = ActivationCode[shape.activation];
    this.outputCode = ActivationCode[shape.output];
    this.lossCode = LossCode[shape.loss];
    this.activations = this.layout.layers.map((slot) => new Floats(maxBatch * slot.outputs));
    this.deltas = this.layout.layers.map((slot) => new Floats(maxBatch * slot.outputs));
  }

  /** Logits of the last layer (hidden layers activated) for a batch; a view into a workspace. */
  forwardLogits(params: Floats, x: Floats, batch: number): Floats {
    const { layers } = this.layout;
    let input = x;
    for (let l = 0; l < layers.length; l++) {
      const slot = layers[l];
      const act = l === layers.length - 1 ? ActivationCode.linear : this.hiddenCode;
      denseForward(
        this.activations[l],
        input,
        params.subarray(slot.weightOffset, slot.biasOffset),
        params.subarray(slot.biasOffset, slot.biasOffset + slot.outputs),
        batch,
        slot.inputs,
        slot.outputs,
        act,
      );
      input = this.activations[l];
    }
    return input.subarray(0, batch * this.layout.sizes[this.layout.sizes.length - 1]) as Floats;
  }

  /** Activated outputs (probabilities for softmax and sigmoid) for a batch. */
  forward(params: Floats, x: Floats, batch: number, out: Floats): void {
    const { layers } = this.layout;
    let input = x;
    for (let l = 0; l < layers.length; l++) {
      const slot = layers[l];
      const isLast = l === layers.length - 1;
      denseForward(
        isLast ? out : this.activations[l],
        input,
        params.subarray(slot.weightOffset, slot.biasOffset),
        params.subarray(slot.biasOffset, slot.biasOffset + slot.outputs),
        batch,
        slot.inputs,
        slot.outputs,
        isLast ? this.outputCode : this.hiddenCode,
      );
      input = this.activations[l];
    }
  }

  /**
   * Loss and gradient of the mean loss over a batch. grads has the
   * parameter layout and is overwritten.
   */
  lossAndGradient(
    params: Floats,
    grads: Floats,
    x: Floats,
    labels: Int32Array | null,
    targets: Floats | null,
    batch: number,
  ): OutputLossResult {
    const { layers } = this.layout;
    const last = layers.length - 1;
    const logits = this.forwardLogits(params, x, batch);
    const result = outputLoss(
      this.deltas[last],
      logits,
      labels,
      targets,
      batch,
      layers[last].outputs,
      this.outputCode,
      this.lossCode,
    );
    for (let l = last; l >= 0; l--) {
      const slot = layers[l];
      denseBackward(
        grads.subarray(slot.weightOffset, slot.biasOffset),
        grads.subarray(slot.biasOffset, slot.biasOffset + slot.outputs),
        l > 0 ? this.deltas[l - 1] : null,
        this.deltas[l],
        l > 0 ? this.activations[l - 1] : x,
        params.subarray(slot.weightOffset, slot.biasOffset),
        this.activations[l],
        batch,
        slot.inputs,
        slot.outputs,
        l === last ? ActivationCode.linear : this.hiddenCode,
      );
    }
    return result;
  }
}
