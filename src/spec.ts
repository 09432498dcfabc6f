/**
 * The vocabulary of a network: the names a user writes and the numeric codes
 * the kernels (TypeScript and C++) agree on. The codes are part of the native
 * ABI: native/kernels/codes.h must list the same numbers.
 */

export const HIDDEN_ACTIVATIONS = ['relu', 'leaky-relu', 'tanh', 'sigmoid', 'linear'] as const;
export const OUTPUT_ACTIVATIONS = ['softmax', 'sigmoid', 'tanh', 'linear'] as const;
export const LOSSES = ['cross-entropy', 'binary-cross-entropy', 'mse'] as const;
export const INITS = ['he', 'glorot', 'uniform'] as const;
export const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'adamw'] as const;

export type HiddenActivation = (typeof HIDDEN_ACTIVATIONS)[number];
export type OutputActivation = (typeof OUTPUT_ACTIVATIONS)[number];
export type Activation = HiddenActivation | OutputActivation;
export type LossName = (typeof LOSSES)[number];
export type InitName = (typeof INITS)[number];
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Slope of leaky ReLU for negative inputs. */
export const LEAKY_RELU_SLOPE = 0.01;

/** Activation codes shared with native/kernels/codes.h. */
export const ActivationCode = {
  linear: 0,
  relu: 1,
  'leaky-relu': 2,
  tanh: 3,
  sigmoid: 4,
  softmax: 5,
} as const satisfies Record<Activation, number>;

/** Loss codes shared with native/kernels/codes.h. */
export const LossCode = {
  'cross-entropy': 0,
  'binary-cross-entropy': 1,
  mse: 2,
} as const satisfies Record<LossName, number>;

/** Optimizer codes shared with native/kernels/codes.h. */
export const OptimizerCode = {
  sgd: 0,
  momentum: 1,
  adam: 2,
  adamw: 3,
} as const satisfies Record<OptimizerName, number>;

/** Which output activations each loss accepts. */
export const OUTPUTS_FOR_LOSS: Record<LossName, readonly OutputActivation[]> = {
  'cross-entropy': ['softmax'],
  'binary-cross-entropy': ['sigmoid'],
  mse: ['linear', 'tanh', 'sigmoid', 'softmax'],
};
