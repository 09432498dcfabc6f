/**
 * Check 3: each dense layer's initial weights against the scale that keeps
 * activations and gradients near unit size (He for the activation that
 * follows, Glorot), their mean, and their signs.
 */
import { heGain2 } from '../../build-plan.js';
import { SLICE_VALUES, type Job } from '../../cooperative.js';
import type { DoctorContext } from '../context.js';
import { round, type Finding } from '../findings.js';

/**
 * A standard deviation 3x off both He's and Glorot's scales the activations
 * by 3x a layer, 3^depth over the network: more than initialisation
 * choices differ by (He and Glorot are within 2x of each other).
 */
const SCALE_FACTOR = 3;
/**
 * |mean| / std above which the weights share a sign bias. A zero-mean
 * draw of even 100 weights has |mean| / std under 0.3 (3 sigma); the
 * uniform [0, 1) mistake has 1.7.
 */
const MEAN_RATIO = 0.5;

const FIX = "--init he for ReLU-like units, --init glorot for tanh / sigmoid (API: init: 'he' | 'glorot')";

/** A job: it yields between slices of each layer's weights. */
export function* checkInitialisationJob({ network }: DoctorContext): Job<Finding[]> {
  const { plan, params } = network;
  const findings: Finding[] = [];
  for (const [index, layer] of plan.layers.entries()) {
    if (layer.kind !== 'dense') continue;
    const weights = params.subarray(layer.weightOffset, layer.biasOffset);
    let sum = 0;
    let positive = 0;
    for (let start = 0; start < weights.length; start += SLICE_VALUES) {
      const end = Math.min(weights.length, start + SLICE_VALUES);
      for (let i = start; i < end; i++) {
        sum += weights[i];
        if (weights[i] > 0) positive++;
      }
      yield;
    }
    const mean = sum / weights.length;
    let squares = 0;
    for (let start = 0; start < weights.length; start += SLICE_VALUES) {
      const end = Math.min(weights.length, start + SLICE_VALUES);
      for (let i = start; i < end; i++) squares += (weights[i] - mean) ** 2;
      yield;
    }
    const std = Math.sqrt(squares / weights.length);
    const he = Math.sqrt(heGain2(plan, index) / layer.inputs);
    const glorot = Math.sqrt(2 / (layer.inputs + layer.units));
    const evidence = { init: layer.init, mean: round(mean), std: round(std), heStd: round(he), glorotStd: round(glorot), positiveShare: round(positive / weights.length) };
    if (positive === weights.length && weights.length > 1) {
      findings.push({
        code: 'INIT_ALL_POSITIVE',
        severity: 'error',
        layer: index,
        message: `all ${weights.length} initial weights are positive (mean ${round(mean)}): every unit sees the same sign of input, the units start alike and the sums grow with the layer's width`,
        evidence,
        fix: FIX,
      });
    } else if (Math.abs(mean) > MEAN_RATIO * std) {
      findings.push({
        code: 'INIT_MEAN_OFFSET',
        severity: 'error',
        layer: index,
        message: `the initial weights have mean ${round(mean)}, ${round(Math.abs(mean) / std)}x their standard deviation: they should be centred on 0`,
        evidence,
        fix: FIX,
      });
    }
    if (std > SCALE_FACTOR * Math.max(he, glorot) || std < Math.min(he, glorot) / SCALE_FACTOR) {
      findings.push({
        code: 'INIT_SCALE',
        severity: 'warning',
        layer: index,
        message: `initial weight std ${round(std)} is far from He's ${round(he)} and Glorot's ${round(glorot)} for ${layer.inputs} inputs: activations ${std > he ? 'grow' : 'shrink'} layer by layer`,
        evidence,
        fix: FIX,
      });
    }
  }
  return findings;
}
