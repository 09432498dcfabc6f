/**
 * Gradient check: the analytic gradient of the reference backward pass
 * against central finite differences of the loss, both in float64. A wrong
 * derivative (tanh where its derivative belonged, say) shows up here as a
 * large relative error in the layers it touches.
 */
import { ReferenceDriver } from '../backend/reference-driver.js';
import { initializeParameters } from '../build-plan.js';
import { Network, type NetworkOptions } from '../network.js';
import { lossOp } from '../ops/losses/index.js';
import { denseLayers, outputLayer } from '../plan.js';
import { Rng } from '../rng.js';
import { runNow, type Job } from '../cooperative.js';
import {
  expectKnownKeys,
  expectNonNegativeInteger,
  expectObject,
  expectPositiveFinite,
  expectPositiveInteger,
} from '../validate.js';

export interface GradcheckOptions {
  /** Rows in the random batch. Default 4. */
  batch?: number;
  /** Parameters to check at most; above it a seeded sample is checked. Default 2000. */
  maxParameters?: number;
  /** Finite-difference step. Default 3e-5: small enough that ReLU kinks are rarely crossed, large enough that float64 rounding stays near 1e-11. */
  step?: number;
  /** Largest relative error that passes. Default 1e-6. */
  tolerance?: number;
  /** Seed of the batch and of the sample. Default 0. */
  seed?: number;
  /** Parameters to check at most in each dense layer (a seeded sample of each), in place of maxParameters' one sample over all. */
  perLayer?: number;
}

export interface LayerGradcheck {
  /** 0-based dense layer. */
  layer: number;
  /** Its index in the network's plan. */
  planIndex: number;
  /** Worst relative error over the checked weights and biases of this layer. */
  weights: number;
  biases: number;
  /** How many of this layer's parameters were checked. */
  checked: number;
}

export interface GradcheckReport {
  /** Worst relative error over everything checked. */
  maxRelativeError: number;
  passed: boolean;
  tolerance: number;
  /** Parameters checked, and how many the network has. */
  checked: number;
  total: number;
  layers: LayerGradcheck[];
}

/**
 * Gradients below this magnitude are compared absolutely: their relative
 * error would measure float64 rounding in the difference, not the derivative.
 */
const GRADIENT_FLOOR = 1e-4;

/**
 * Checks the gradient of a network's loss at its current weights (given a
 * Network) or at fresh weights (given NetworkOptions), on a seeded random
 * batch of inputs and targets.
 */
export function gradcheck(spec: Network | NetworkOptions, options: GradcheckOptions = {}): GradcheckReport {
  return runNow(gradcheckJob(spec, options));
}

/** gradcheck as a job: it yields after each parameter (four passes of the batch; the doctor runs it beside a server's event loop). */
export function* gradcheckJob(spec: Network | NetworkOptions, options: GradcheckOptions = {}): Job<GradcheckReport> {
  const o = expectObject('options', options);
  expectKnownKeys('options', o, ['batch', 'maxParameters', 'step', 'tolerance', 'seed', 'perLayer']);
  const batch = expectPositiveInteger('options.batch', o.batch ?? 4);
  const maxParameters = expectPositiveInteger('options.maxParameters', o.maxParameters ?? 2000);
  const step = expectPositiveFinite('options.step', o.step ?? 3e-5);
  const tolerance = expectPositiveFinite('options.tolerance', o.tolerance ?? 1e-6);
  const seed = expectNonNegativeInteger('options.seed', o.seed ?? 0);
  const perLayer = o.perLayer === undefined ? null : expectPositiveInteger('options.perLayer', o.perLayer);

  const network = spec instanceof Network ? spec : new Network({ ...spec, backend: 'js' });
  const { plan } = network;
  const params = Float64Array.from(network.params);
  if (!(spec instanceof Network)) initializeParameters(params, plan, network.seed);

  const rng = new Rng(seed);
  const { inputs, outputs } = plan;
  const x = new Float64Array(batch * inputs);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  let labels: Int32Array | null = null;
  let targets: Float64Array | null = null;
  if (lossOp(outputLayer(plan).loss).needsLabels) {
    labels = new Int32Array(batch);
    for (let r = 0; r < batch; r++) labels[r] = rng.integer(outputs);
  } else {
    targets = new Float64Array(batch * outputs);
    // In (0, 1) so they suit sigmoid and tanh outputs as well as linear ones.
    for (let i = 0; i < targets.length; i++) targets[i] = 0.05 + 0.9 * rng.uniform();
  }

  // Dropout keeps one mask throughout: the loss is then a smooth function of the weights.
  const mask = { seed, epoch: 1, step: 0 };
  const driver = new ReferenceDriver(plan, batch, Float64Array);
  const analytic = new Float64Array(plan.size);
  driver.lossAndGradient(params, analytic, x, labels, targets, batch, mask);
  yield;
  const lossAt = (): number => driver.loss(params, x, labels, targets, batch, mask).lossSum / batch;

  const dense = denseLayers(plan);
  const chosen: number[] = [];
  if (perLayer === null) chosen.push(...(yield* chooseParameters(0, plan.size, maxParameters, rng)));
  else for (const slot of dense) chosen.push(...(yield* chooseParameters(slot.weightOffset, slot.biasOffset + slot.units, perLayer, rng)));
  const layers: LayerGradcheck[] = dense.map((slot, layer) => ({
    layer,
    planIndex: plan.layers.indexOf(slot),
    weights: 0,
    biases: 0,
    checked: 0,
  }));
  let maxRelativeError = 0;
  for (const index of chosen) {
    const saved = params[index];
    // The loss at saved + k step for k = 1, -1, 2, -2, a yield after each
    // (one pass of a wide network is a few ms of float64 JS).
    const losses: number[] = [];
    for (const k of [1, -1, 2, -2]) {
      params[index] = saved + k * step;
      losses.push(lossAt());
      params[index] = saved;
      yield;
    }
    // The five-point central difference: error O(step^4), so a step large
    // enough to keep float64 rounding small still resolves 1e-6.
    const numeric = (8 * (losses[0] - losses[1]) - (losses[2] - losses[3])) / (12 * step);
    const error =
      Math.abs(analytic[index] - numeric) / Math.max(Math.abs(analytic[index]), Math.abs(numeric), GRADIENT_FLOOR);
    const layer = dense.findIndex((slot) => index < slot.biasOffset + slot.units);
    const entry = layers[layer];
    if (index < dense[layer].biasOffset) entry.weights = Math.max(entry.weights, error);
    else entry.biases = Math.max(entry.biases, error);
    entry.checked++;
    maxRelativeError = Math.max(maxRelativeError, Number.isNaN(error) ? Infinity : error);
  }
  return {
    maxRelativeError,
    passed: maxRelativeError <= tolerance,
    tolerance,
    checked: chosen.length,
    total: plan.size,
    layers,
  };
}

/** Every index of [from, to) when there are few, else a seeded sample without repeats. */
function* chooseParameters(from: number, to: number, max: number, rng: Rng): Job<number[]> {
  const all = new Uint32Array(to - from);
  for (let i = 0; i < all.length; i++) all[i] = from + i;
  if (all.length <= max) return Array.from(all);
  yield* rng.shuffleJob(all);
  return Array.from(all.subarray(0, max)).sort((a, b) => a - b);
}
