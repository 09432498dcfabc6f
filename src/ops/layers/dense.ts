import type { DenseLayer } from '../../plan.js';
import { describe, expectOneOf } from '../../validate.js';
import { INITS } from '../types.js';
import type { BackwardArgs, ForwardArgs, LayerKindOp, ResolveContext } from './types.js';

/** Units a dense layer may have (BLAS dimensions and the native workspaces stay in int range). */
export const MAX_UNITS = 1 << 24;

/**
 * y = x W + b; W is (inputs, units) row-major, b is (units).
 * Backward: dW = x^T dy, db = the column sums of dy, dx = dy W^T.
 */
export const dense: LayerKindOp<DenseLayer> = {
  kind: 'dense',
  fields: ['kind', 'units', 'init', 'inputs', 'weightOffset', 'biasOffset'],
  example: { kind: 'dense', units: 7 },
  resolve(spec, { at, width, offset, defaultInit }: ResolveContext): DenseLayer {
    const units = spec.units;
    if (typeof units !== 'number' || !Number.isInteger(units) || units < 1 || units > MAX_UNITS) {
      throw new RangeError(`${at}.units must be an integer in [1, ${MAX_UNITS}], received ${describe(units)}`);
    }
    const init = expectOneOf(`${at}.init`, spec.init ?? defaultInit, INITS);
    const layer: DenseLayer = {
      kind: 'dense',
      inputs: width,
      units,
      init,
      weightOffset: offset,
      biasOffset: offset + width * units,
    };
    // A stored plan carries these; they must be the ones this plan gives.
    for (const field of ['inputs', 'weightOffset', 'biasOffset'] as const) {
      if (spec[field] !== undefined && spec[field] !== layer[field]) {
        throw new RangeError(`${at}.${field} must be ${layer[field]} here, received ${describe(spec[field])}`);
      }
    }
    return layer;
  },
  parameterCount: (layer) => layer.inputs * layer.units + layer.units,
  outputWidth: (layer) => layer.units,
  forward(layer, { params, x, y, rows }: ForwardArgs): void {
    const { inputs, units, weightOffset: w, biasOffset: b } = layer;
    for (let r = 0; r < rows; r++) {
      const yRow = r * units;
      for (let j = 0; j < units; j++) y[yRow + j] = params[b + j];
      const xRow = r * inputs;
      for (let i = 0; i < inputs; i++) {
        const xi = x[xRow + i];
        if (xi === 0) continue;
        const wRow = w + i * units;
        for (let j = 0; j < units; j++) y[yRow + j] += xi * params[wRow + j];
      }
    }
  },
  backward(layer, { params, grads, x, dy, dx, rows }: BackwardArgs): void {
    const { inputs, units, weightOffset: w, biasOffset: b } = layer;
    grads.fill(0, w, b + units);
    for (let r = 0; r < rows; r++) {
      const dyRow = r * units;
      for (let j = 0; j < units; j++) grads[b + j] += dy[dyRow + j];
      const xRow = r * inputs;
      for (let i = 0; i < inputs; i++) {
        const xi = x[xRow + i];
        if (xi === 0) continue;
        const wRow = w + i * units;
        for (let j = 0; j < units; j++) grads[wRow + j] += xi * dy[dyRow + j];
      }
    }
    if (dx === null) return;
    for (let r = 0; r < rows; r++) {
      const dyRow = r * units;
      const xRow = r * inputs;
      for (let i = 0; i < inputs; i++) {
        const wRow = w + i * units;
        let sum = 0;
        for (let j = 0; j < units; j++) sum += dy[dyRow + j] * params[wRow + j];
        dx[xRow + i] = sum;
      }
    }
  },
};
