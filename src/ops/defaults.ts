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

/**
 * Whether a network classifies (its outputs are class scores, and it has a
 * class to predict) when nothing else says: it has label names, or a
 * classification loss (not mse). descent predict and the ONNX export both ask.
 */
export function classifies(loss: LossName, labelNames: readonly string[] | null): boolean {
  return labelNames !== null || loss !== 'mse';
}
