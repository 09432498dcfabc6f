/** What a diverged fit leaves the network with. */
export type DivergenceKept =
  /** The batch whose loss was not finite was not applied: the weights after the update before it. */
  | 'last-update'
  /** The weights were not finite: those from the start of the epoch (checked finite then), without optimizer state. */
  | 'epoch-start';

export interface Divergence {
  /** 1-based epoch. */
  epoch: number;
  /** 0-based batch within the epoch: the one whose loss was not finite, or the last one when the weights it left were not. */
  batch: number;
  /** The batch's mean loss (NaN or +-Infinity); NaN when the loss stayed finite and the weights did not. */
  loss: number;
  lr: number;
  /** Whether the loss or the weights stopped being finite first. */
  nonFinite: 'loss' | 'weights';
  kept: DivergenceKept;
  /** The first weight that was not finite, in words ("params[12] = -Infinity, plan[0] weight (input 0, unit 12)"), or null. */
  parameter: string | null;
}

/**
 * Thrown by fit when the training loss or the weights stop being finite
 * numbers. The message says which, where, and what the network keeps:
 * its weights are finite either way.
 */
export class TrainingDivergedError extends Error {
  override readonly name = 'TrainingDivergedError';
  /** 1-based epoch. */
  readonly epoch: number;
  /** 0-based batch within the epoch (see Divergence.batch). */
  readonly batch: number;
  /** The batch's mean loss (NaN or +-Infinity); NaN when the loss stayed finite and the weights did not. */
  readonly loss: number;
  readonly lr: number;
  /** Whether the loss or the weights stopped being finite first. */
  readonly nonFinite: 'loss' | 'weights';
  /** What the network keeps (see DivergenceKept). */
  readonly kept: DivergenceKept;

  constructor(divergence: Divergence) {
    const { epoch, batch, loss, lr, nonFinite, kept, parameter } = divergence;
    const keeps = `the network keeps those from the start of epoch ${epoch}, the last it knew to be finite, and has no optimizer state (a later fit starts it afresh)`;
    let message: string;
    if (nonFinite === 'weights') {
      message = `the weights were no longer finite after the last update of epoch ${epoch} (batch ${batch}, lr ${lr}): ${parameter}. So ${keeps}`;
    } else if (kept === 'epoch-start') {
      message = `the loss became ${loss} at epoch ${epoch}, batch ${batch} (lr ${lr}) and the weights were no longer finite (${parameter}), so ${keeps}`;
    } else {
      message = `the loss became ${loss} at epoch ${epoch}, batch ${batch} (lr ${lr}); that batch was not applied, so the network keeps its last finite weights`;
    }
    super(`training diverged: ${message}. Try a smaller lr.`);
    this.epoch = epoch;
    this.batch = batch;
    this.loss = loss;
    this.lr = lr;
    this.nonFinite = nonFinite;
    this.kept = kept;
  }
}
