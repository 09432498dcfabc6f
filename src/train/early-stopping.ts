import { expectBoolean, expectKnownKeys, expectNonNegativeFinite, expectObject, expectOneOf, expectPositiveInteger } from '../validate.js';

export interface EarlyStoppingOptions {
  /** Epochs without improvement before stopping. Default 10. */
  patience?: number;
  /** The smallest decrease that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Put back the weights of the best epoch when training ends. Default true. */
  restoreBest?: boolean;
  /** What to watch: 'valLoss' (default when there is validation data) or 'loss'. */
  monitor?: 'valLoss' | 'loss';
}

export interface EarlyStoppingSettings {
  patience: number;
  minDelta: number;
  restoreBest: boolean;
  monitor: 'valLoss' | 'loss';
}

export function resolveEarlyStopping(value: unknown, hasValidation: boolean): EarlyStoppingSettings | null {
  if (value === undefined || value === false) return null;
  const options = value === true ? {} : expectObject('options.earlyStopping', value);
  expectKnownKeys('options.earlyStopping', options, ['patience', 'minDelta', 'restoreBest', 'monitor']);
  const monitor = expectOneOf('options.earlyStopping.monitor', options.monitor ?? (hasValidation ? 'valLoss' : 'loss'), [
    'valLoss',
    'loss',
  ] as const);
  if (monitor === 'valLoss' && !hasValidation) {
    throw new RangeError('options.earlyStopping.monitor is "valLoss" but no options.validation was given');
  }
  return {
    patience: expectPositiveInteger('options.earlyStopping.patience', options.patience ?? 10),
    minDelta: expectNonNegativeFinite('options.earlyStopping.minDelta', options.minDelta ?? 0),
    restoreBest: expectBoolean('options.earlyStopping.restoreBest', options.restoreBest ?? true),
    monitor,
  };
}

/** Tracks the best value seen and says when patience has run out. */
export class EarlyStopping {
  bestValue = Infinity;
  bestEpoch = 0;
  private bestParams: Float32Array | null = null;

  constructor(readonly settings: EarlyStoppingSettings) {}

  /** Records an epoch; returns true when training should stop. */
  observe(epoch: number, value: number, params: Float32Array): boolean {
    if (value < this.bestValue - this.settings.minDelta) {
      this.bestValue = value;
      this.bestEpoch = epoch;
      if (this.settings.restoreBest) {
        if (this.bestParams === null) this.bestParams = params.slice();
        else this.bestParams.set(params);
      }
      return false;
    }
    return epoch - this.bestEpoch >= this.settings.patience;
  }

  /** What a checkpoint keeps of it: the best so far (and its weights when they will be restored). */
  snapshot(): { bestValue: number | null; bestEpoch: number; bestParams: Float32Array | null } {
    return { bestValue: Number.isFinite(this.bestValue) ? this.bestValue : null, bestEpoch: this.bestEpoch, bestParams: this.bestParams };
  }

  /** Continues from a checkpoint's snapshot. */
  resumeFrom(snapshot: { bestValue: number | null; bestEpoch: number; bestParams: Float32Array | null }): void {
    this.bestValue = snapshot.bestValue ?? Infinity;
    this.bestEpoch = snapshot.bestEpoch;
    this.bestParams = snapshot.bestParams;
  }

  /** Puts the best weights back into params when asked to; returns whether it did. */
  restore(params: Float32Array): boolean {
    if (!this.settings.restoreBest || this.bestParams === null) return false;
    params.set(this.bestParams);
    return true;
  }
}
