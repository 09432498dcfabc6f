/**
 * The vocabulary a user writes, gathered from the registries (ops/): the
 * names of activations, losses, optimizers, initialisations and layer kinds.
 */
export {
  ACTIVATIONS,
  HIDDEN_ACTIVATIONS,
  OUTPUT_ACTIVATIONS,
  type ActivationName,
  type HiddenActivation,
  type OutputActivation,
} from './ops/activations/index.js';
export { LOSSES, type LossName } from './ops/losses/index.js';
export { OPTIMIZERS, type OptimizerName } from './ops/optimizers/index.js';
export { LAYER_KIND_NAMES, type LayerKind } from './ops/layers/index.js';
export { INITS, type InitName } from './ops/types.js';
export { LEAKY_RELU_SLOPE } from './ops/activations/leaky-relu.js';
