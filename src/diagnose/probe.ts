/**
 * The probe: a short run of the user's network and settings (a few hundred
 * steps at a constant learning rate) on a copy of its weights, through the
 * backend's own trainer with per-layer statistics on. Its chunks of steps
 * give the loss trajectory and the layer statistics the checks read.
 */
import { ReferenceDriver } from '../backend/reference-driver.js';
import type { LayerStats, OptimizerState, TrainingData } from '../backend/types.js';
import type { CheckedData } from '../data/dataset.js';
import { preprocessRowsJob } from '../data/preprocess.js';
import { runNow, runYielding, type Job } from '../cooperative.js';
import type { Network } from '../network.js';
import { optimizerOp } from '../ops/optimizers/index.js';
import { Rng, shuffledIndicesJob } from '../rng.js';
import type { ResolvedFitOptions } from '../train/options.js';

export interface ProbeFailure {
  /** 0-based step of the probe whose loss was NaN or Infinity. */
  step: number;
  /** Its mean loss. */
  loss: number;
  /** The plan index of the first layer whose output was not finite on that batch (the output layer when only the loss was). */
  layer: number;
}

export interface ProbeResult {
  /** Steps applied. */
  steps: number;
  /** Steps per chunk: one trainer epoch, one entry of losses and layerStats. */
  chunkSteps: number;
  batchSize: number;
  backend: string;
  /** Mean training loss of each chunk. */
  losses: number[];
  /** Training accuracy of each chunk (classification), else empty. */
  accuracies: number[];
  /** Each chunk's per-layer statistics (LayerStats), in plan order. */
  layerStats: LayerStats[][];
  failure: ProbeFailure | null;
  seconds: number;
}

/** Steps per trainer call: enough rows (20 batches) that a unit zero on all of them is dead, not unlucky. */
export const CHUNK_STEPS = 20;

/** The rows a backend trains on, preprocessed as the network's preprocessing says; a job that yields between slices of rows. */
export function* trainingDataJob(network: Network, data: CheckedData): Job<TrainingData> {
  const { inputs } = network.plan;
  const x =
    network.preprocessing === null
      ? data.x
      : yield* preprocessRowsJob(network.preprocessing, data.x, data.xScale, inputs, 0, data.n, new Float32Array(data.n * inputs));
  return { x, xScale: network.preprocessing === null ? data.xScale : 1, n: data.n, labels: data.labels, targets: data.targets };
}

/** A stream of row indices: seeded shuffles of [0, n) one after another. */
export function sampleOrder(n: number, count: number, seed: number): Uint32Array {
  return runNow(sampleOrderJob(n, count, seed));
}

export function* sampleOrderJob(n: number, count: number, seed: number): Job<Uint32Array> {
  const rng = new Rng(seed);
  const order = new Uint32Array(count);
  for (let at = 0; at < count; at += n) {
    const pass = yield* shuffledIndicesJob(n, rng);
    order.set(pass.subarray(0, Math.min(n, count - at)), at);
  }
  return order;
}

/** Trains params (a copy of the network's) for steps batches of the order, chunk by chunk, with statistics. */
export async function runProbe(network: Network, data: CheckedData, fit: ResolvedFitOptions, steps: number): Promise<ProbeResult> {
  const started = performance.now();
  const batchSize = Math.min(fit.batchSize, data.n);
  const params = network.params.slice();
  const state: OptimizerState = { optimizer: fit.optimizer.kind, step: 0, moments: new Float32Array(optimizerOp(fit.optimizer.kind).slots * params.length) };
  const training = await runYielding(trainingDataJob(network, data));
  const trainer = await network.backend.createTrainer(network.plan, params, state, training, {
    optimizer: fit.optimizer,
    batchSize,
    threads: fit.threads,
    seed: fit.seed,
    probe: true,
  });
  const order = await runYielding(sampleOrderJob(data.n, steps * batchSize, fit.seed));
  const result: ProbeResult = { steps: 0, chunkSteps: CHUNK_STEPS, batchSize, backend: network.backend.name, losses: [], accuracies: [], layerStats: [], failure: null, seconds: 0 };
  try {
    for (let chunk = 0; chunk * CHUNK_STEPS < steps; chunk++) {
      const first = chunk * CHUNK_STEPS;
      const chunkOrder = order.subarray(first * batchSize, Math.min(steps, first + CHUNK_STEPS) * batchSize);
      const epoch = await trainer.trainEpoch({ order: chunkOrder, batchSize, lr: fit.lr, epoch: chunk + 1, syncState: false });
      result.steps += epoch.steps;
      if (epoch.samples > 0) {
        result.losses.push(epoch.lossSum / epoch.samples);
        if (training.labels !== null) result.accuracies.push(epoch.correct / epoch.samples);
        result.layerStats.push(epoch.layerStats ?? []);
      }
      if (epoch.failedBatch >= 0) {
        // The failed batch was not applied: params are the weights it ran with.
        const rows = chunkOrder.subarray(epoch.failedBatch * batchSize, (epoch.failedBatch + 1) * batchSize);
        result.failure = { step: first + epoch.failedBatch, loss: epoch.failedLoss, layer: firstNonFiniteLayer(network, params, training, rows) };
        break;
      }
    }
  } finally {
    trainer.dispose();
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/** The first layer whose output is not finite on the given rows at params; the output layer when all are. */
function firstNonFiniteLayer(network: Network, params: Float32Array, data: TrainingData, rows: Uint32Array): number {
  const { plan } = network;
  const x = new Float32Array(rows.length * plan.inputs);
  rows.forEach((row, r) => {
    for (let j = 0; j < plan.inputs; j++) x[r * plan.inputs + j] = data.x[row * plan.inputs + j] * data.xScale;
  });
  const driver = new ReferenceDriver(plan, rows.length, Float32Array);
  const layer = driver.firstNonFiniteLayer(params, x, rows.length);
  return layer < 0 ? plan.layers.length - 1 : layer;
}
