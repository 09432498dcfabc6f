// Optimizer settings for tests (fit's defaults, except that no optimizer
// decays weights unless asked), as the backends take them and as one
// update's hyper-parameters (the kernels).
import type { OptimizerSettings, UpdateHyper } from '../../src/ops/types.js';
import type { OptimizerName } from '../../src/spec.js';

const DEFAULTS = { momentum: 0.9, nesterov: false, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 };

export function optimizerSettings(kind: OptimizerName = 'momentum', overrides: Partial<OptimizerSettings> = {}): OptimizerSettings {
  return { kind, ...DEFAULTS, ...overrides };
}

/** One update's hyper-parameters: sgd, lr 0.1, the first step, unless overridden. */
export function updateHyper(overrides: Partial<UpdateHyper> = {}): UpdateHyper {
  return { kind: 'sgd', lr: 0.1, step: 1, ...DEFAULTS, ...overrides };
}
