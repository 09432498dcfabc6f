// Optimizer settings for tests (fit's defaults, except that no optimizer
// decays weights unless asked), in the three forms the layers take them: by name (backends), by code (the raw addon),
// and as one update's hyper-parameters (the kernels).
import type { UpdateHyper } from '../../src/backend/reference-kernels.js';
import type { OptimizerSettings } from '../../src/backend/types.js';
import { OptimizerCode, type OptimizerName } from '../../src/spec.js';

const DEFAULTS = { momentum: 0.9, nesterov: false, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 };

export function optimizerSettings(kind: OptimizerName = 'momentum', overrides: Partial<OptimizerSettings> = {}): OptimizerSettings {
  return { kind, ...DEFAULTS, ...overrides };
}

/** The same, as the native Trainer's config takes it (kind as a code). */
export function nativeOptimizer(kind: OptimizerName = 'momentum', overrides: Partial<OptimizerSettings> = {}) {
  return { ...optimizerSettings(kind, overrides), kind: OptimizerCode[kind] };
}

/** One update's hyper-parameters: sgd, lr 0.1, the first step, unless overridden. */
export function updateHyper(overrides: Partial<UpdateHyper> = {}): UpdateHyper {
  return { kind: OptimizerCode.sgd, lr: 0.1, step: 1, ...DEFAULTS, ...overrides };
}
