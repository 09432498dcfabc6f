import type { OutputLayer } from '../../plan.js';
import { activate } from '../activations/apply.js';
import { OUTPUT_ACTIVATIONS, activationOp } from '../activations/index.js';
import { LOSSES, LOSSES_BY_NAME } from '../losses/index.js';
import { expectOneOf } from '../../validate.js';
import type { LayerKindOp } from './types.js';

/**
 * The output activation, and the loss trained through it. In predict it
 * applies the activation; in training the driver hands its input (the
 * logits) to the loss, which returns dL/dz directly.
 */
export const output: LayerKindOp<OutputLayer> = {
  kind: 'output',
  fields: ['kind', 'activation', 'loss'],
  example: null,
  resolve(spec, { at, width, last }) {
    if (!last) throw new TypeError(`${at} is an output layer, which must be the plan's last layer`);
    const name = expectOneOf(`${at}.activation`, spec.activation, OUTPUT_ACTIVATIONS);
    const op = activationOp(name);
    const loss = expectOneOf(`${at}.loss`, spec.loss ?? op.defaultLoss ?? 'mse', LOSSES);
    const accepted = LOSSES_BY_NAME[loss].outputs as readonly string[];
    if (!accepted.includes(name)) {
      throw new TypeError(
        `${at}.activation "${name}" does not fit ${at}.loss "${loss}": ${loss} expects ${accepted.map((a) => `"${a}"`).join(' or ')}`,
      );
    }
    if (op.rowwise && width < 2) {
      throw new RangeError(`${at}.activation "${name}" needs at least 2 output units, received a layer of ${width}`);
    }
    return { kind: 'output', activation: name, loss };
  },
  parameterCount: () => 0,
  outputWidth: (_layer, inWidth) => inWidth,
  forward(layer, { x, y, rows, inWidth }) {
    activate(activationOp(layer.activation), y, x, rows, inWidth);
  },
  backward() {
    throw new Error('the output layer is trained through its loss (lossOp(layer.loss).rows)');
  },
};

