// From the measurements of every round to the table's rows: each cell is
// the median over rounds, and every ratio is taken between medians.
import { trialFlops } from './trials.mjs';

export function median(values) {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Records one round's us/step of `contestant` on `trial` in `samples` (a Map). */
export function addSample(samples, trial, contestant, usPerStep) {
  const key = `${trial}\u0000${contestant}`;
  samples.set(key, [...(samples.get(key) ?? []), usPerStep]);
}

/** The sgemm peaks of the rounds as one: the first's details, the median GFLOP/s. */
export function summarizePeak(peaks) {
  if (peaks.length === 0) return null;
  return { ...peaks[0], gflops: median(peaks.map((p) => p.gflops)), rounds: peaks.length };
}

/**
 * One row per trial and contestant that has samples, in trial order then
 * contestant order: samples/s, us/step, GFLOP/s, % of the peak, and how
 * many times slower than descent native it is ("native x").
 */
export function summarizeRows(trials, contestants, samples, peak) {
  const rows = [];
  for (const trial of trials) {
    const flops = trialFlops(trial);
    const nativeUs = samples.get(`${trial.name}\u0000descent native`);
    for (const contestant of contestants) {
      const values = samples.get(`${trial.name}\u0000${contestant}`);
      if (!values) continue;
      const usPerStep = median(values);
      const gflops = flops / usPerStep / 1e3;
      rows.push({
        trial: trial.name,
        backend: contestant,
        samplesPerSecond: (trial.batch * 1e6) / usPerStep,
        usPerStep,
        gflops,
        percentOfPeak: peak ? (100 * gflops) / peak.gflops : null,
        nativeSpeedup: nativeUs ? usPerStep / median(nativeUs) : null,
        rounds: values.length,
      });
    }
  }
  return rows;
}
