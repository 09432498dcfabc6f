import { describe, expectInRange, expectKnownKeys, expectNonNegativeFinite, expectObject, expectPositiveInteger } from '../validate.js';

/**
 * A learning-rate schedule, evaluated once per epoch.
 * - constant: the base rate throughout.
 * - step: multiplied by `gamma` every `stepSize` epochs.
 * - cosine: from the base rate toward `minLr` along half a cosine over the
 *   run, as PyTorch's CosineAnnealingLR with T_max = epochs: epoch e of E
 *   (1-based) runs at minLr + (lr - minLr)(1 + cos(pi (e - 1) / E)) / 2, so
 *   the first runs at lr and the last still above minLr (every epoch trains,
 *   even with minLr 0).
 */
export type Schedule =
  | 'constant'
  | 'step'
  | 'cosine'
  | { type: 'constant' }
  | { type: 'step'; stepSize?: number; gamma?: number }
  | { type: 'cosine'; minLr?: number };

/** Returns lr for a 1-based epoch. */
export type LearningRateAt = (epoch: number) => number;

export function resolveSchedule(schedule: unknown, baseLr: number, epochs: number): LearningRateAt {
  const spec = typeof schedule === 'string' ? { type: schedule } : schedule;
  const options = expectObject('options.schedule', spec);
  switch (options.type) {
    case 'constant':
      expectKnownKeys('options.schedule', options, ['type']);
      return () => baseLr;
    case 'step': {
      expectKnownKeys('options.schedule', options, ['type', 'stepSize', 'gamma']);
      const stepSize = expectPositiveInteger('options.schedule.stepSize', options.stepSize ?? Math.max(1, Math.floor(epochs / 3)));
      const gamma = expectInRange('options.schedule.gamma', options.gamma ?? 0.1, Number.MIN_VALUE, 1 + Number.EPSILON);
      return (epoch) => baseLr * Math.pow(gamma, Math.floor((epoch - 1) / stepSize));
    }
    case 'cosine': {
      expectKnownKeys('options.schedule', options, ['type', 'minLr']);
      const minLr = expectNonNegativeFinite('options.schedule.minLr', options.minLr ?? 0);
      if (minLr > baseLr) {
        throw new RangeError(`options.schedule.minLr must not exceed lr ${baseLr}, received ${minLr}`);
      }
      return (epoch) => minLr + (baseLr - minLr) * 0.5 * (1 + Math.cos((Math.PI * (epoch - 1)) / epochs));
    }
    default:
      throw new TypeError(
        `options.schedule must be "constant", "step", "cosine" or an object with such a type, received ${describe(schedule)}`,
      );
  }
}
