/** Thrown by fit when the training loss stops being a finite number. */
export class TrainingDivergedError extends Error {
  override readonly name = 'TrainingDivergedError';

  constructor(
    /** 1-based epoch. */
    readonly epoch: number,
    /** 0-based batch within the epoch. */
    readonly batch: number,
    /** The batch's mean loss (NaN or +-Infinity). */
    readonly loss: number,
    readonly lr: number,
    /** Whether the weights had to be put back to where the epoch started. */
    restoredEpochStart: boolean,
  ) {
    super(
      `training diverged: the loss became ${loss} at epoch ${epoch}, batch ${batch} (lr ${lr}); ` +
        (restoredEpochStart
          ? 'the weights were no longer finite, so the network keeps those from the start of that epoch'
          : 'that batch was not applied, so the network keeps its last finite weights') +
        '. Try a smaller lr.',
    );
  }
}
