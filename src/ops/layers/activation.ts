import type { ActivationLayer } from '../../plan.js';
import { activate, activationBackward } from '../activations/apply.js';
import { ACTIVATIONS, HIDDEN_ACTIVATIONS, activationOp } from '../activations/index.js';
import { checkCustomActivation, isCustomActivation, layerActivationOp } from '../activations/custom.js';
import { describe } from '../../validate.js';
import type { LayerKindOp } from './types.js';

/** a = f(z) unit by unit; dz = da * f'(z, a). */
export const activation: LayerKindOp<ActivationLayer> = {
  kind: 'activation',
  fields: ['kind', 'activation'],
  example: { kind: 'activation', activation: 'tanh' },
  resolve(spec, { at }) {
    const name = spec.activation;
    if (isCustomActivation(name)) return { kind: 'activation', activation: checkCustomActivation(`${at}.activation`, name) };
    if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(ACTIVATIONS, name) || !activationOp(name).hidden) {
      const output = typeof name === 'string' && Object.prototype.hasOwnProperty.call(ACTIVATIONS, name);
      throw new TypeError(
        `${at}.activation must be one of ${HIDDEN_ACTIVATIONS.map((a) => `"${a}"`).join(', ')} or a custom activation { name, f, derivative }, received ${describe(name)}` +
          (output ? ` (an output activation: use it in the { kind: 'output' } layer)` : ''),
      );
    }
    return { kind: 'activation', activation: name as ActivationLayer['activation'] };
  },
  parameterCount: () => 0,
  outputWidth: (_layer, inWidth) => inWidth,
  forward(layer, { x, y, rows, inWidth }) {
    activate(layerActivationOp(layer.activation), y, x, rows, inWidth);
  },
  backward(layer, { x, y, dy, dx, rows, inWidth }) {
    if (dx !== null) activationBackward(layerActivationOp(layer.activation), dx, dy, x, y, rows, inWidth);
  },
};
