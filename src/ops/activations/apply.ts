/** Applying an activation of the registry to a block of rows. */
import type { ActivationOp, Floats } from '../types.js';

/** y = f(y) in place over rows x cols (row-wise for softmax). */
export function activateInPlace(op: ActivationOp, y: Floats, rows: number, cols: number): void {
  if (op.rowwise) {
    for (let r = 0; r < rows; r++) op.forwardRow(y, r * cols, cols);
    return;
  }
  const count = rows * cols;
  for (let i = 0; i < count; i++) y[i] = op.forward(y[i]);
}

/** a = f(z) over count values (element-wise activations). */
export function activate(op: ActivationOp, a: Floats, z: Floats, rows: number, cols: number): void {
  const count = rows * cols;
  for (let i = 0; i < count; i++) a[i] = z[i];
  activateInPlace(op, a, rows, cols);
}

/** dz = dy * f'(z) given a = f(z) (through the Jacobian for a row-wise activation); dz may alias dy. */
export function activationBackward(op: ActivationOp, dz: Floats, dy: Floats, z: Floats, a: Floats, rows: number, cols: number): void {
  if (op.rowwise) {
    for (let r = 0; r < rows; r++) op.vjpRow(dz, dy, a, r * cols, cols);
    return;
  }
  const count = rows * cols;
  for (let i = 0; i < count; i++) dz[i] = dy[i] * op.grad(z[i], a[i]);
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
