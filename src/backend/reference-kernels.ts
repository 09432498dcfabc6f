/**
 * The reference kernels: plain TypeScript, one loop nest per meaning, written
 * to be read. They are the oracle for native/kernels/ (same names, same
 * argument order: outputs first, then inputs, then dimensions) and they run
 * in float32 for training and in float64 for the gradient check.
 */
import { ActivationCode, LEAKY_RELU_SLOPE, LossCode, OptimizerCode } from '../spec.js';

export type Floats = Float32Array | Float64Array;

const { linear: LINEAR, relu: RELU, tanh: TANH, sigmoid: SIGMOID, softmax: SOFTMAX } = ActivationCode;
const LEAKY_RELU = ActivationCode['leaky-relu'];

export function sigmoid(z: number): number {
  // Split by sign so exp never overflows.
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Applies an element-wise activation (or a row-wise softmax) in place. */
export function activateInPlace(y: Floats, rows: number, cols: number, act: number): void {
  const count = rows * cols;
  switch (act) {
    case LINEAR:
      return;
    case RELU:
      for (let i = 0; i < count; i++) if (y[i] < 0) y[i] = 0;
      return;
    case LEAKY_RELU:
      for (let i = 0; i < count; i++) if (y[i] < 0) y[i] *= LEAKY_RELU_SLOPE;
      return;
    case TANH:
      for (let i = 0; i < count; i++) y[i] = Math.tanh(y[i]);
      return;
    case SIGMOID:
      for (let i = 0; i < count; i++) y[i] = sigmoid(y[i]);
      return;
    case SOFTMAX:
      for (let r = 0; r < rows; r++) softmaxRow(y, r * cols, cols);
      return;
    default:
      throw new RangeError(`unknown activation code ${act}`);
  }
}

/** Softmax of y[start .. start+cols) in place, shifted by the max for stability. */
function softmaxRow(y: Floats, start: number, cols: number): void {
  let max = -Infinity;
  for (let j = 0; j < cols; j++) max = Math.max(max, y[start + j]);
  let sum = 0;
  for (let j = 0; j < cols; j++) {
    const e = Math.exp(y[start + j] - max);
    y[start + j] = e;
    sum += e;
  }
  for (let j = 0; j < cols; j++) y[start + j] /= sum;
}

/**
 * Derivative of an element-wise activation, written in terms of its output
 * a = act(z) so the forward pass need not keep z. (Leaky ReLU keeps the sign
 * of z, so a > 0 tells the branch.)
 */
export function activationDerivativeFromOutput(a: number, act: number): number {
  switch (act) {
    case LINEAR:
      return 1;
    case RELU:
      return a > 0 ? 1 : 0;
    case LEAKY_RELU:
      return a > 0 ? 1 : LEAKY_RELU_SLOPE;
    case TANH:
      return 1 - a * a;
    case SIGMOID:
      return a * (1 - a);
    default:
      throw new RangeError(`activation code ${act} has no element-wise derivative`);
  }
}

/**
 * y = act(x W + b).
 * y is (batch, outputs); x is (batch, inputs); w is (inputs, outputs); b is (outputs).
 */
export function denseForward(
  y: Floats,
  x: Floats,
  w: Floats,
  b: Floats,
  batch: number,
  inputs: number,
  outputs: number,
  act: number,
): void {
  for (let r = 0; r < batch; r++) {
    const yRow = r * outputs;
    for (let j = 0; j < outputs; j++) y[yRow + j] = b[j];
    const xRow = r * inputs;
    for (let i = 0; i < inputs; i++) {
      const xi = x[xRow + i];
      if (xi === 0) continue;
      const wRow = i * outputs;
      for (let j = 0; j < outputs; j++) y[yRow + j] += xi * w[wRow + j];
    }
  }
  activateInPlace(y, batch, outputs, act);
}

/**
 * Backward through y = act(x W + b), given dy = dL/dy.
 * dy is overwritten with dz = dy * act'(y). Then dw = x^T dz, db = sum over
 * the batch of dz, and (when dx is not null) dx = dz W^T.
 * dw is (inputs, outputs); db is (outputs); dx is (batch, inputs);
 * dy and y are (batch, outputs); x is (batch, inputs); w is (inputs, outputs).
 */
export function denseBackward(
  dw: Floats,
  db: Floats,
  dx: Floats | null,
  dy: Floats,
  x: Floats,
  w: Floats,
  y: Floats,
  batch: number,
  inputs: number,
  outputs: number,
  act: number,
): void {
  const count = batch * outputs;
  if (act !== LINEAR) {
    for (let k = 0; k < count; k++) dy[k] *= activationDerivativeFromOutput(y[k], act);
  }
  dw.fill(0, 0, inputs * outputs);
  db.fill(0, 0, outputs);
  for (let r = 0; r < batch; r++) {
    const dzRow = r * outputs;
    for (let j = 0; j < outputs; j++) db[j] += dy[dzRow + j];
    const xRow = r * inputs;
    for (let i = 0; i < inputs; i++) {
      const xi = x[xRow + i];
      if (xi === 0) continue;
      const wRow = i * outputs;
      for (let j = 0; j < outputs; j++) dw[wRow + j] += xi * dy[dzRow + j];
    }
  }
  if (dx === null) return;
  for (let r = 0; r < batch; r++) {
    const dzRow = r * outputs;
    const xRow = r * inputs;
    for (let i = 0; i < inputs; i++) {
      const wRow = i * outputs;
      let sum = 0;
      for (let j = 0; j < outputs; j++) sum += dy[dzRow + j] * w[wRow + j];
      dx[xRow + i] = sum;
    }
  }
}

/** The target of output unit j for a sample: a float target, or one-hot / 0-1 from a class label. */
function targetOf(
  labels: Int32Array | null,
  targets: Floats | null,
  r: number,
  j: number,
  outputs: number,
): number {
  if (targets !== null) return targets[r * outputs + j];
  const label = labels![r];
  return outputs === 1 ? label : label === j ? 1 : 0;
}

/** Per-batch totals from the output kernel. */
export interface OutputLossResult {
  /** Sum over the batch of each sample's loss (divide by the batch for the mean). */
  lossSum: number;
  /** Samples whose predicted class equals their label (0 without labels). */
  correct: number;
}

/**
 * The output activation, the loss and dL/dz in one pass, from the logits z.
 * - cross-entropy (softmax): loss = logsumexp(z) - z_label, dz = (p - onehot) / batch.
 * - binary-cross-entropy (sigmoid): loss = mean_j max(z,0) - z t + log(1 + e^-|z|),
 *   dz = (sigmoid(z) - t) / (batch * outputs).
 * - mse (any output): loss = mean_j (a - t)^2, dz = 2 (a - t) / (batch * outputs) * act'(a),
 *   through the softmax Jacobian when the output is softmax.
 * Targets are float targets (batch, outputs) or class labels (batch), which
 * mean one-hot targets (or 0/1 for a single output unit).
 * dz and z are (batch, outputs); labels is (batch) or null; targets is (batch, outputs) or null.
 * z is left unchanged; dz may not alias z.
 */
export function outputLoss(
  dz: Floats,
  z: Floats,
  labels: Int32Array | null,
  targets: Floats | null,
  batch: number,
  outputs: number,
  outputAct: number,
  loss: number,
): OutputLossResult {
  let lossSum = 0;
  let correct = 0;
  const scale = loss === LossCode['cross-entropy'] ? 1 / batch : 1 / (batch * outputs);
  for (let r = 0; r < batch; r++) {
    const row = r * outputs;
    // a = act(z), kept in dz until the gradient replaces it.
    for (let j = 0; j < outputs; j++) dz[row + j] = z[row + j];
    activateInPlace(dz.subarray(row, row + outputs), 1, outputs, outputAct);
    if (labels !== null) correct += predictedClass(dz, row, outputs) === labels[r] ? 1 : 0;

    if (loss === LossCode['cross-entropy']) {
      let max = -Infinity;
      for (let j = 0; j < outputs; j++) max = Math.max(max, z[row + j]);
      let sum = 0;
      for (let j = 0; j < outputs; j++) sum += Math.exp(z[row + j] - max);
      const label = labels![r];
      lossSum += max + Math.log(sum) - z[row + label];
      for (let j = 0; j < outputs; j++) dz[row + j] = (dz[row + j] - (j === label ? 1 : 0)) * scale;
    } else if (loss === LossCode['binary-cross-entropy']) {
      let sampleLoss = 0;
      for (let j = 0; j < outputs; j++) {
        const zj = z[row + j];
        const t = targetOf(labels, targets, r, j, outputs);
        sampleLoss += Math.max(zj, 0) - zj * t + Math.log1p(Math.exp(-Math.abs(zj)));
        dz[row + j] = (dz[row + j] - t) * scale;
      }
      lossSum += sampleLoss / outputs;
    } else {
      let sampleLoss = 0;
      let dot = 0; // sum_j g_j a_j, for the softmax Jacobian
      for (let j = 0; j < outputs; j++) {
        const a = dz[row + j];
        const diff = a - targetOf(labels, targets, r, j, outputs);
        sampleLoss += diff * diff;
        dot += 2 * diff * scale * a;
      }
      lossSum += sampleLoss / outputs;
      for (let j = 0; j < outputs; j++) {
        const a = dz[row + j];
        const g = 2 * (a - targetOf(labels, targets, r, j, outputs)) * scale;
        dz[row + j] = outputAct === SOFTMAX ? a * (g - dot) : g * activationDerivativeFromOutput(a, outputAct);
      }
    }
  }
  return { lossSum, correct };
}

/**
 * The class a row of activated outputs predicts: the arg max, or for a
 * single output unit 1 when it reaches 0.5.
 */
export function predictedClass(a: Floats, row: number, outputs: number): number {
  if (outputs === 1) return a[row] >= 0.5 ? 1 : 0;
  let best = 0;
  for (let j = 1; j < outputs; j++) if (a[row + j] > a[row + best]) best = j;
  return best;
}

/** Hyper-parameters of one optimizer update. */
export interface UpdateHyper {
  kind: number;
  lr: number;
  momentum: number;
  nesterov: boolean;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  /** 1-based count of updates so far, including this one (Adam's bias correction). */
  step: number;
}

/**
 * One optimizer update over a stretch of the parameter buffer.
 * - sgd: p -= lr (g + wd p)
 * - momentum: v = mu v + (g + wd p); p -= lr v, or with Nesterov p -= lr (g + wd p + mu v)
 * - adam: L2 decay added to g, bias-corrected moments, p -= lr m^ / (sqrt(v^) + eps)
 * - adamw: decoupled decay p -= lr wd p, then the Adam step on g alone
 * p, g, m (velocity or first moment) and v (second moment) all have count elements;
 * m and v may be empty when the optimizer does not use them.
 */
export function optimizerUpdate(p: Floats, g: Floats, m: Floats, v: Floats, count: number, h: UpdateHyper): void {
  const { lr, weightDecay: wd } = h;
  switch (h.kind) {
    case OptimizerCode.sgd:
      for (let i = 0; i < count; i++) p[i] -= lr * (g[i] + wd * p[i]);
      return;
    case OptimizerCode.momentum: {
      const mu = h.momentum;
      for (let i = 0; i < count; i++) {
        const grad = g[i] + wd * p[i];
        m[i] = mu * m[i] + grad;
        p[i] -= lr * (h.nesterov ? grad + mu * m[i] : m[i]);
      }
      return;
    }
    case OptimizerCode.adam:
    case OptimizerCode.adamw: {
      const { beta1, beta2, epsilon } = h;
      const decoupled = h.kind === OptimizerCode.adamw;
      const correction1 = 1 - Math.pow(beta1, h.step);
      const correction2 = 1 - Math.pow(beta2, h.step);
      for (let i = 0; i < count; i++) {
        let grad = g[i];
        if (decoupled) p[i] -= lr * wd * p[i];
        else grad += wd * p[i];
        m[i] = beta1 * m[i] + (1 - beta1) * grad;
        v[i] = beta2 * v[i] + (1 - beta2) * grad * grad;
        const mHat = m[i] / correction1;
        const vHat = v[i] / correction2;
        p[i] -= (lr * mHat) / (Math.sqrt(vHat) + epsilon);
      }
      return;
    }
    default:
      throw new RangeError(`unknown optimizer code ${h.kind}`);
  }
}
