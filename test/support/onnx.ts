// Running descent's ONNX exports in onnxruntime and comparing them with
// net.predict / net.predictClasses.
import ort from 'onnxruntime-node';
import { expect } from 'vitest';
import type { Network } from '../../src/network.js';
import { classifies } from '../../src/ops/defaults.js';
import { expectClose } from './compare.js';

/** The agreement the ONNX export promises: max abs difference below 1e-5, no relative slack. */
export const ONNX_TOLERANCE = { atol: 1e-5, rtol: 0 };

/** The largest difference seen per label, for the summary a test file prints. */
export const maxDifferences = new Map<string, number>();

export function onnxSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes);
}

/** The graph's outputs for rows of raw features. */
export async function runOnnx(session: ort.InferenceSession, x: Float32Array, inputs: number): Promise<ort.InferenceSession.OnnxValueMapType> {
  return session.run({ features: new ort.Tensor('float32', x, [x.length / inputs, inputs]) });
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/**
 * Runs rows x through the exported model and fails unless its outputs are
 * predict's within ONNX_TOLERANCE (and, for a classifier, its class output
 * is predictClasses' exactly). Returns the max abs difference.
 */
export async function expectOnnxMatchesPredict(net: Network, session: ort.InferenceSession, x: Float32Array, label: string): Promise<number> {
  const n = x.length / net.inputs;
  const results = await runOnnx(session, x, net.inputs);
  const classifier = classifies(net.loss, net.labelNames);
  expect(Object.keys(results).sort(), label).toEqual(classifier ? ['class', 'probabilities'] : ['outputs']);
  const values = results[classifier ? 'probabilities' : 'outputs'];
  expect(values.type, label).toBe('float32');
  expect(values.dims, label).toEqual([n, net.outputs]);
  const want = net.predict(x);
  expectClose(values.data as Float32Array, want, label, ONNX_TOLERANCE);
  if (classifier) {
    expect(results.class.type, label).toBe('int64');
    expect(results.class.dims, label).toEqual([n]);
    expect(Array.from(results.class.data as BigInt64Array, Number), `${label}: class`).toEqual(Array.from(net.predictClasses(x)));
  }
  const difference = maxAbsDifference(values.data as Float32Array, want);
  maxDifferences.set(label, Math.max(maxDifferences.get(label) ?? 0, difference));
  return difference;
}

/** The first rows of x, batch 1 and batch 1000 (or as many as x has), as the tests run them. */
export function batchesOf(x: Float32Array, inputs: number): [string, Float32Array][] {
  return [
    ['batch 1', x.subarray(0, inputs)],
    ['batch 1000', x.subarray(0, Math.min(1000, x.length / inputs) * inputs)],
  ];
}
