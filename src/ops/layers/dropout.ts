import type { DropoutLayer } from '../../plan.js';
import { describe } from '../../validate.js';
import { dropThreshold, keepScale, layerKey, unitBits } from './dropout-mask.js';
import type { BackwardArgs, ForwardArgs, LayerKindOp } from './types.js';

/**
 * Inverted dropout: while training each unit is zeroed with probability
 * rate and the survivors scaled by 1 / (1 - rate); in predict it is the
 * identity. The mask is recomputed in the backward pass, never stored.
 */
export const dropout: LayerKindOp<DropoutLayer> = {
  kind: 'dropout',
  fields: ['kind', 'rate'],
  example: { kind: 'dropout', rate: 0.3 },
  resolve(spec, { at }) {
    const rate = spec.rate;
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate >= 1) {
      throw new RangeError(`${at}.rate must be a number in [0, 1), received ${describe(rate)}`);
    }
    return { kind: 'dropout', rate };
  },
  parameterCount: () => 0,
  outputWidth: (_layer, inWidth) => inWidth,
  forward(layer, { x, y, rows, inWidth, mask }: ForwardArgs) {
    scaleByMask(layer, y, x, rows, inWidth, mask);
  },
  backward(layer, { dy, dx, rows, inWidth, mask }: BackwardArgs) {
    if (dx !== null) scaleByMask(layer, dx, dy, rows, inWidth, mask);
  },
};

/** out = in * mask * scale (training), or a copy (predict). */
function scaleByMask(layer: DropoutLayer, out: ArrayLike<number> & { [i: number]: number }, input: ArrayLike<number>, rows: number, width: number, mask: ForwardArgs['mask']): void {
  const count = rows * width;
  if (mask === null || layer.rate === 0) {
    for (let i = 0; i < count; i++) out[i] = input[i];
    return;
  }
  const key = layerKey(mask, mask.layer);
  const threshold = dropThreshold(layer.rate);
  const scale = keepScale(layer.rate);
  for (let u = 0; u < count; u++) out[u] = unitBits(key, u) >= threshold ? input[u] * scale : 0;
}
