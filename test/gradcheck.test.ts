import { describe, expect, it } from 'vitest';
import { gradcheck } from '../src/diagnose/gradcheck.js';
import { Network } from '../src/network.js';
import { HIDDEN_ACTIVATIONS, LOSSES, type OutputActivation } from '../src/spec.js';
import { LOSSES_BY_NAME } from '../src/ops/losses/index.js';
import { ReferenceDriver } from '../src/backend/reference-driver.js';

/** Every output / loss pair the registry allows. */
const PAIRS = LOSSES.flatMap((loss) => (LOSSES_BY_NAME[loss].outputs as readonly OutputActivation[]).map((output) => ({ output, loss })));

describe('gradcheck', () => {
  for (const activation of HIDDEN_ACTIVATIONS) {
    for (const { output, loss } of PAIRS) {
      it(`${activation} hidden, ${output} output, ${loss}: every parameter within 1e-6`, () => {
        const report = gradcheck(
          { layers: [5, 7, 6, 4], activation, output, loss, seed: 3 },
          { batch: 3, seed: 1 },
        );
        expect(report.checked).toBe(report.total);
        expect(report.layers).toHaveLength(3);
        for (const layer of report.layers) expect(layer.checked).toBeGreaterThan(0);
        expect(report.maxRelativeError).toBeLessThan(1e-6);
        expect(report.passed).toBe(true);
      });
    }
  }

  for (const activation of HIDDEN_ACTIVATIONS) {
    it(`${activation} hidden with dropout: the gradient through one fixed mask checks out`, () => {
      const report = gradcheck({ layers: [5, 8, 7, 3], activation, dropout: 0.3, seed: 4 }, { batch: 4, seed: 2 });
      expect(report.checked).toBe(report.total);
      expect(report.maxRelativeError).toBeLessThan(1e-6);
    });
  }

  it('an explicit plan with mixed activations and dropout checks out, layer by layer', () => {
    const report = gradcheck(
      {
        inputs: 6,
        plan: [
          { kind: 'dense', units: 9 },
          { kind: 'activation', activation: 'gelu' },
          { kind: 'dropout', rate: 0.2 },
          { kind: 'dense', units: 7 },
          { kind: 'activation', activation: 'tanh' },
          { kind: 'dense', units: 5 },
          { kind: 'activation', activation: 'silu' },
          { kind: 'dense', units: 4 },
          { kind: 'output', activation: 'softmax' },
        ],
        seed: 1,
      },
      { batch: 3 },
    );
    expect(report.layers.map((l) => l.planIndex)).toEqual([0, 3, 5, 7]);
    expect(report.maxRelativeError).toBeLessThan(1e-6);
  });

  it('a single sigmoid output unit with binary cross-entropy checks out', () => {
    const report = gradcheck({ layers: [3, 4, 1], output: 'sigmoid', loss: 'binary-cross-entropy' });
    expect(report.maxRelativeError).toBeLessThan(1e-6);
  });

  it('checks a seeded sample of a large network and reports per layer', () => {
    const report = gradcheck({ layers: [64, 128, 10] }, { maxParameters: 300 });
    expect(report.total).toBe(64 * 128 + 128 + 128 * 10 + 10);
    expect(report.checked).toBe(300);
    expect(report.layers.reduce((s, l) => s + l.checked, 0)).toBe(300);
    expect(report.passed).toBe(true);
  });

  it("checks a trained network's current weights", () => {
    const net = new Network({ layers: [4, 6, 3], activation: 'tanh', backend: 'js', seed: 2 });
    net.params.fill(0.05);
    const report = gradcheck(net);
    expect(report.passed).toBe(true);
  });

  it('finds a wrong gradient and names the layer it is in', () => {
    // Corrupt the analytic gradient of layer 1's weights by 1%, as a wrong
    // derivative would; the loss (and so the finite differences) stay true.
    const original = ReferenceDriver.prototype.lossAndGradient;
    const sizes = [4, 5, 6, 3];
    const layer1Weights = { from: 4 * 5 + 5, to: 4 * 5 + 5 + 5 * 6 };
    ReferenceDriver.prototype.lossAndGradient = function (this: ReferenceDriver, params, grads, ...rest) {
      const result = original.call(this, params, grads, ...rest);
      for (let i = layer1Weights.from; i < layer1Weights.to; i++) grads[i] *= 1.01;
      return result;
    };
    try {
      const report = gradcheck({ layers: sizes, activation: 'tanh' });
      expect(report.passed).toBe(false);
      expect(report.layers[1].weights).toBeGreaterThan(5e-3);
      expect(report.layers[0].weights).toBeLessThan(1e-6);
      expect(report.layers[2].weights).toBeLessThan(1e-6);
      expect(report.layers[1].biases).toBeLessThan(1e-6);
    } finally {
      ReferenceDriver.prototype.lossAndGradient = original;
    }
  });

  it('names bad options', () => {
    expect(() => gradcheck({ layers: [2, 2] }, { batch: 0 })).toThrow(/options.batch must be a positive integer, received 0/);
    expect(() => gradcheck({ layers: [2, 2] }, { step: -1 })).toThrow(/options.step must be a positive finite number, received -1/);
  });
});
