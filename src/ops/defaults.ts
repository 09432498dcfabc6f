/** Defaults that follow from the registry's entries. */
import { activationOp, type HiddenActivation, type OutputActivation } from './activations/index.js';
import type { LossName } from './losses/index.js';
import type { InitName } from './types.js';

/** The loss that goes with an output activation when none is named. */
export function defaultLossFor(output: OutputActivation): LossName {
  return (activationOp(output).defaultLoss ?? 'mse') as LossName;
}

/** The initialisation that suits a hidden activation when none is named. */
export function defaultInitFor(activation: HiddenActivation): InitName {
  return activationOp(activation).init;
}
