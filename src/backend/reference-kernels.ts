/**
 * The reference kernels with the native kernels' signatures (same names,
 * same argument order: outputs first, then inputs, then dimensions; ops by
 * name), built from the registry's math. Tests hold every native kernel
 * against its twin here; the benchmark times both.
 */
import { activate, activationBackward as activationVjp, predictedClass } from '../ops/activations/apply.js';
import { activationOp } from '../ops/activations/index.js';
import { lossOp } from '../ops/losses/index.js';
import { dense } from '../ops/layers/dense.js';
import { dropout } from '../ops/layers/dropout.js';
import type { DenseLayer, DropoutLayer } from '../plan.js';
import type { Floats, OutputLossResult } from '../ops/types.js';

export { optimizerUpdate } from '../ops/optimizers/index.js';
export { predictedClass };
export type { Floats, OutputLossResult };

/** A dense layer whose W is at 0 and b right after it, over a buffer holding both. */
function denseAt(inputs: number, outputs: number): DenseLayer {
  return { kind: 'dense', inputs, units: outputs, init: 'he', weightOffset: 0, biasOffset: inputs * outputs };
}

function joined(w: Floats, b: Floats, inputs: number, outputs: number): Float64Array {
  const p = new Float64Array(inputs * outputs + outputs);
  p.set(w.subarray(0, inputs * outputs));
  p.set(b.subarray(0, outputs), inputs * outputs);
  return p;
}

/** y = act(x W + b). y (batch, outputs); x (batch, inputs); w (inputs, outputs); b (outputs). */
export function denseForward(y: Floats, x: Floats, w: Floats, b: Floats, batch: number, inputs: number, outputs: number, act: string): void {
  const layer = denseAt(inputs, outputs);
  const z = new Float32Array(batch * outputs);
  dense.forward(layer, { params: joined(w, b, inputs, outputs), x, y: z, rows: batch, inWidth: inputs, outWidth: outputs, mask: null });
  activate(activationOp(act), y, z, batch, outputs);
}

/**
 * Backward through y = act(x W + b) given dy = dL/dy, for an activation
 * whose derivative reads its output: dy becomes dz = dy * act'(y); then
 * dw = x^T dz, db = the column sums of dz, and dx = dz W^T unless dx is null.
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
  act: string,
): void {
  const op = activationOp(act);
  if (op.derivative !== 'output') throw new RangeError(`denseBackward needs an activation whose derivative reads its output; "${act}" reads its input`);
  activationVjp(op, dy, dy, y, y, batch, outputs);
  const layer = denseAt(inputs, outputs);
  const grads = new Float32Array(inputs * outputs + outputs);
  dense.backward(layer, {
    params: joined(w, new Float32Array(outputs), inputs, outputs),
    grads,
    x,
    y,
    dy,
    dx,
    rows: batch,
    inWidth: inputs,
    outWidth: outputs,
    mask: null,
  });
  dw.set(grads.subarray(0, inputs * outputs));
  db.set(grads.subarray(inputs * outputs));
}

/** a = act(z) over count values (element-wise activations). */
export function activationForward(a: Floats, z: Floats, count: number, act: string): void {
  activate(activationOp(act), a, z, 1, count);
}

/** dz = dy * act'(z, a) over count values. */
export function activationBackward(dz: Floats, dy: Floats, z: Floats, a: Floats, count: number, act: string): void {
  activationVjp(activationOp(act), dz, dy, z, a, 1, count);
}

/** The output activation, the loss and dL/dz from the logits z (lossOp(loss).rows over one whole batch). */
export function outputLoss(
  dz: Floats,
  z: Floats,
  labels: Int32Array | null,
  targets: Floats | null,
  batch: number,
  outputs: number,
  outputAct: string,
  loss: string,
): OutputLossResult {
  return lossOp(loss).rows({ dz, z, labels, targets, rows: batch, outputs, act: activationOp(outputAct), scaleBatch: batch });
}

function dropoutArgs(rate: number, rows: number, width: number, seed: number, epoch: number, step: number, layer: number) {
  const spec: DropoutLayer = { kind: 'dropout', rate };
  return { spec, mask: { seed, epoch, step, layer }, rows, inWidth: width, outWidth: width };
}

/** y = x * mask / (1 - rate) for one batch of rows x width (inverted dropout, training). */
export function dropoutForward(y: Floats, x: Floats, rows: number, width: number, rate: number, seed: number, epoch: number, step: number, layer: number): void {
  const { spec, ...args } = dropoutArgs(rate, rows, width, seed, epoch, step, layer);
  dropout.forward(spec, { params: y, x, y, ...args });
}

/** dx = dy * mask / (1 - rate), the same mask as dropoutForward. */
export function dropoutBackward(dx: Floats, dy: Floats, rows: number, width: number, rate: number, seed: number, epoch: number, step: number, layer: number): void {
  const { spec, ...args } = dropoutArgs(rate, rows, width, seed, epoch, step, layer);
  dropout.backward(spec, { params: dx, grads: dx, x: dy, y: dy, dy, dx, ...args });
}
