/**
 * The reference backend: the training step in plain TypeScript over the
 * reference driver and the registry's math. Written to be read rather than
 * to be fast; it is the oracle for the native backend.
 */
import { optimizerOp } from '../ops/optimizers/index.js';
import type { UpdateHyper } from '../ops/types.js';
import { denseLayers, type Plan } from '../plan.js';
import { expectWhole, watch, type Watched } from '../cooperative.js';
import { LayerStatsCollector } from './layer-stats.js';
import { ReferenceDriver } from './reference-driver.js';
import type { Backend, EpochRequest, EpochResult, OptimizerState, Trainer, TrainerOptions, TrainingData } from './types.js';

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
  private readonly driver: ReferenceDriver;
  private readonly grads: Float32Array;
  private readonly batchX: Float32Array;
  private readonly batchLabels: Int32Array | null;
  private readonly batchTargets: Float32Array | null;
  private readonly stats: LayerStatsCollector | null;
  /** The weights before an update, to measure it (probe only). */
  private readonly before: Float32Array | null;
  /**
   * The data, read in every epoch (the native trainer copies them; this
   * one does not): JS runs between epochs and at every yield, so they are
   * checked whole before they are read again.
   */
  private readonly reads: Watched[];

  constructor(
    private readonly plan: Plan,
    private readonly params: Float32Array,
    private readonly state: OptimizerState,
    private readonly data: TrainingData,
    private readonly options: TrainerOptions,
  ) {
    this.driver = new ReferenceDriver(plan, options.batchSize, Float32Array);
    this.grads = new Float32Array(plan.size);
    this.batchX = new Float32Array(options.batchSize * plan.inputs);
    this.batchLabels = data.labels ? new Int32Array(options.batchSize) : null;
    this.batchTargets = data.targets ? new Float32Array(options.batchSize * plan.outputs) : null;
    this.stats = options.probe ? new LayerStatsCollector(plan, this.driver.widths) : null;
    this.driver.stats = this.stats;
    this.before = options.probe ? new Float32Array(plan.size) : null;
    this.reads = [watch('data.x', data.x), watch('data.y', data.labels ?? data.targets!)];
  }

  private result(partial: Omit<EpochResult, 'layerStats'>): EpochResult {
    return this.stats === null ? partial : { ...partial, layerStats: this.stats.take(this.params) };
  }

  async trainEpoch(request: EpochRequest): Promise<EpochResult> {
    const { order, batchSize, lr, epoch, signal } = request;
    const { inputs, outputs } = this.plan;
    let lossSum = 0;
    let correct = 0;
    let samples = 0;
    let steps = 0;
    let lastYield = performance.now();
    expectWhole(...this.reads);
    const classes = outputs === 1 ? 2 : outputs;
    for (let start = 0, batchIndex = 0; start < order.length; start += batchSize, batchIndex++) {
      if (signal?.aborted) return this.result({ lossSum, correct, samples, steps, failedBatch: -1, failedLoss: NaN, aborted: true });
      const count = Math.min(batchSize, order.length - start);
      gatherRows(this.batchX, this.data.x, this.data.xScale, order, start, count, inputs);
      if (this.batchLabels) {
        for (let r = 0; r < count; r++) {
          const row = order[start + r];
          const label = this.data.labels![row];
          // Checked when the fit began; JS may have changed it since (as the native trainer, check at the read).
          if (!(label >= 0 && label < classes)) {
            throw new RangeError(`data.y[${row}] = ${label} is out of range: labels must be class indices in [0, ${classes}) (changed during the fit?)`);
          }
          this.batchLabels[r] = label;
        }
      }
      if (this.batchTargets) gatherRows(this.batchTargets, this.data.targets!, 1, order, start, count, outputs);
      const result = this.driver.lossAndGradient(this.params, this.grads, this.batchX, this.batchLabels, this.batchTargets, count, {
        seed: this.options.seed,
        epoch,
        step: this.state.step,
      });
      if (!Number.isFinite(result.lossSum)) {
        this.stats?.discard();
        return this.result({ lossSum, correct, samples, steps, failedBatch: batchIndex, failedLoss: result.lossSum / count, aborted: false });
      }
      this.update(lr);
      this.stats?.commit();
      lossSum += result.lossSum;
      correct += result.correct;
      samples += count;
      steps++;
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
        expectWhole(...this.reads);
      }
    }
    return this.result({ lossSum, correct, samples, steps, failedBatch: -1, failedLoss: NaN, aborted: false });
  }

  /** One optimizer step: weights with weight decay, biases without. */
  private update(lr: number): void {
    this.state.step++;
    const hyper: UpdateHyper = { ...this.options.optimizer, lr, step: this.state.step };
    const noDecay: UpdateHyper = { ...hyper, weightDecay: 0 };
    this.before?.set(this.params);
    this.plan.layers.forEach((layer, index) => {
      if (layer.kind !== 'dense') return;
      this.updateRange(layer.weightOffset, layer.biasOffset, hyper);
      this.updateRange(layer.biasOffset, layer.biasOffset + layer.units, noDecay);
      if (this.before !== null) this.stats!.observeUpdate(index, squaredChange(this.before, this.params, layer.weightOffset, layer.biasOffset));
    });
  }

  private updateRange(from: number, to: number, hyper: UpdateHyper): void {
    const op = optimizerOp(hyper.kind);
    const size = this.plan.size;
    const slots = Array.from({ length: op.slots }, (_, k) => this.state.moments.subarray(k * size + from, k * size + to));
    op.update(this.params.subarray(from, to), this.grads.subarray(from, to), slots, to - from, hyper);
  }

  /** The reference updates state.moments in place: always current. */
  syncState(): void {}

  dispose(): void {}
}

/** The most rows predict computes at a time: fewer for wide layers. */
const MAX_PREDICT_ROWS = 1024;
/** The values predict's buffers (every layer's output for a chunk of rows) may hold: 16 MiB of floats. */
const PREDICT_BUFFER_VALUES = 1 << 22;

/**
 * Rows predict computes at a time: MAX_PREDICT_ROWS, fewer (down to one)
 * when the layers' outputs for them would exceed PREDICT_BUFFER_VALUES.
 * Each row's arithmetic is its own here, so the cut changes no bits.
 */
export function predictChunkRows(plan: Plan): number {
  const values = ReferenceDriver.widthsOf(plan)
    .slice(1)
    .reduce((sum, width) => sum + width, 0);
  return Math.max(1, Math.min(MAX_PREDICT_ROWS, Math.floor(PREDICT_BUFFER_VALUES / Math.max(1, values))));
}

/** The squared L2 norm of after - before over [from, to). */
function squaredChange(before: Float32Array, after: Float32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (after[i] - before[i]) ** 2;
  return sum;
}

export const referenceBackend: Backend = {
  name: 'js',
  unsupported: () => null,
  async createTrainer(plan, params, state, data, options): Promise<Trainer> {
    return new ReferenceTrainer(plan, params, state, data, options);
  },
  predictAsyncRows(plan: Plan): number {
    // About 2^21 multiply-adds: a few ms of the reference forward pass.
    let macs = 0;
    for (const layer of denseLayers(plan)) macs += layer.inputs * layer.units;
    return Math.max(1, Math.floor((1 << 21) / Math.max(1, macs)));
  },
  async predictAsync(plan: Plan, params: Float32Array, x: Float32Array, n: number): Promise<Float32Array> {
    const out = new Float32Array(n * plan.outputs);
    referenceBackend.predict(plan, params, x, n, out);
    return out;
  },
  predict(plan: Plan, params: Float32Array, x: Float32Array, n: number, out: Float32Array): void {
    const chunk = Math.max(1, Math.min(n, predictChunkRows(plan)));
    const driver = new ReferenceDriver(plan, chunk, Float32Array, false);
    const { inputs, outputs } = plan;
    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      driver.forward(
        params,
        x.subarray(start * inputs, (start + count) * inputs),
        count,
        out.subarray(start * outputs, (start + count) * outputs),
      );
    }
  },
};
