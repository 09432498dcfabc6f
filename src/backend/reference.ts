/**
 * The reference backend: the training step in plain TypeScript over the
 * reference kernels. Written to be read rather than to be fast; it is the oracle for the
 * native backend.
 */
import { OptimizerCode } from '../spec.js';
import { ReferenceModel } from './reference-model.js';
import { optimizerUpdate, type UpdateHyper } from './reference-kernels.js';
import type { Backend, EpochRequest, EpochResult, ModelShape, Trainer, TrainerOptions, TrainingData } from './types.js';

/** How long the reference trainer computes before it lets the event loop run. */
const YIELD_EVERY_MS = 15;

/**
 * Copies rows order[start .. start+count) of src (rows of width) into dst,
 * widening bytes to floats by scale.
 */
export function gatherRows(
  dst: Float32Array,
  src: Float32Array | Uint8Array,
  scale: number,
  order: Uint32Array,
  start: number,
  count: number,
  width: number,
): void {
  for (let r = 0; r < count; r++) {
    const from = order[start + r] * width;
    if (src instanceof Float32Array) {
      dst.set(src.subarray(from, from + width), r * width);
    } else {
      for (let j = 0; j < width; j++) dst[r * width + j] = src[from + j] * scale;
    }
  }
}

class ReferenceTrainer implements Trainer {
  private readonly model: ReferenceModel;
  private readonly grads: Float32Array;
  private readonly moment1: Float32Array;
  private readonly moment2: Float32Array;
  private readonly batchX: Float32Array;
  private readonly batchLabels: Int32Array | null;
  private readonly batchTargets: Float32Array | null;
  private steps = 0;

  constructor(
    private readonly params: Float32Array,
    private readonly data: TrainingData,
    private readonly options: TrainerOptions,
  ) {
    const { sizes } = options.shape;
    this.model = new ReferenceModel(options.shape, options.batchSize, Float32Array);
    const size = this.model.layout.size;
    this.grads = new Float32Array(size);
    const kind = options.optimizer.kind;
    this.moment1 = new Float32Array(kind === 'sgd' ? 0 : size);
    this.moment2 = new Float32Array(kind === 'adam' || kind === 'adamw' ? size : 0);
    this.batchX = new Float32Array(options.batchSize * sizes[0]);
    this.batchLabels = data.labels ? new Int32Array(options.batchSize) : null;
    this.batchTargets = data.targets ? new Float32Array(options.batchSize * sizes[sizes.length - 1]) : null;
  }

  async trainEpoch(request: EpochRequest): Promise<EpochResult> {
    const { order, batchSize, lr, signal } = request;
    const { sizes } = this.options.shape;
    const features = sizes[0];
    const outputs = sizes[sizes.length - 1];
    let lossSum = 0;
    let correct = 0;
    let samples = 0;
    let steps = 0;
    let lastYield = performance.now();
    for (let start = 0, batchIndex = 0; start < order.length; start += batchSize, batchIndex++) {
      if (signal?.aborted) return { lossSum, correct, samples, steps, failedBatch: -1, failedLoss: NaN, aborted: true };
      const count = Math.min(batchSize, order.length - start);
      gatherRows(this.batchX, this.data.x, this.data.xScale, order, start, count, features);
      if (this.batchLabels) {
        for (let r = 0; r < count; r++) this.batchLabels[r] = this.data.labels![order[start + r]];
      }
      if (this.batchTargets) gatherRows(this.batchTargets, this.data.targets!, 1, order, start, count, outputs);
      const result = this.model.lossAndGradient(
        this.params,
        this.grads,
        this.batchX,
        this.batchLabels,
        this.batchTargets,
        count,
      );
      if (!Number.isFinite(result.lossSum)) {
        return { lossSum, correct, samples, steps, failedBatch: batchIndex, failedLoss: result.lossSum / count, aborted: false };
      }
      this.update(lr);
      lossSum += result.lossSum;
      correct += result.correct;
      samples += count;
      steps++;
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
    return { lossSum, correct, samples, steps, failedBatch: -1, failedLoss: NaN, aborted: false };
  }

  /** One optimizer step: weights with weight decay, biases without. */
  private update(lr: number): void {
    this.steps++;
    const o = this.options.optimizer;
    const hyper: UpdateHyper = {
      kind: OptimizerCode[o.kind],
      lr,
      momentum: o.momentum,
      nesterov: o.nesterov,
      beta1: o.beta1,
      beta2: o.beta2,
      epsilon: o.epsilon,
      weightDecay: o.weightDecay,
      step: this.steps,
    };
    const noDecay = { ...hyper, weightDecay: 0 };
    for (const slot of this.model.layout.layers) {
      this.updateRange(slot.weightOffset, slot.biasOffset, hyper);
      this.updateRange(slot.biasOffset, slot.biasOffset + slot.outputs, noDecay);
    }
  }

  private updateRange(from: number, to: number, hyper: UpdateHyper): void {
    const view = (a: Float32Array) => (a.length === 0 ? a : a.subarray(from, to));
    optimizerUpdate(
      this.params.subarray(from, to),
      this.grads.subarray(from, to),
      view(this.moment1),
      view(this.moment2),
      to - from,
      hyper,
    );
  }

  dispose(): void {}
}

export const referenceBackend: Backend = {
  name: 'js',
  createTrainer(params: Float32Array, data: TrainingData, options: TrainerOptions): Trainer {
    return new ReferenceTrainer(params, data, options);
  },
  predict(params: Float32Array, shape: ModelShape, x: Float32Array, n: number, out: Float32Array): void {
    const chunk = Math.min(n, 1024);
    const model = new ReferenceModel(shape, Math.max(chunk, 1), Float32Array);
    const features = shape.sizes[0];
    const outputs = shape.sizes[shape.sizes.length - 1];
    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      model.forward(
        params,
        x.subarray(start * features, (start + count) * features),
        count,
        out.subarray(start * outputs, (start + count) * outputs),
      );
    }
  },
};
