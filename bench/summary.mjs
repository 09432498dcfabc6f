// From the measurements of every round to the table's rows: each cell is
// the median over rounds; "native x" is a ratio of medians; the share of
// the sgemm peak is the median over rounds of each round's share of the
// peak measured just before it.
import { trialFlops } from './trials.mjs';

export function median(values) {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Records one round's us/step of `contestant` on `trial` in `samples` (a
 * Map), with the sgemm peak (GFLOP/s) measured just before, or null.
 */
export function addSample(samples, trial, contestant, usPerStep, peakGflops) {
  const key = `${trial}\u0000${contestant}`;
  samples.set(key, [...(samples.get(key) ?? []), { usPerStep, peakGflops }]);
}

/** The sgemm peaks measured as one: the first's details, the median GFLOP/s. */
export function summarizePeak(peaks) {
  if (peaks.length === 0) return null;
  const all = peaks.map((p) => p.gflops);
  return { ...peaks[0], gflops: median(all), measurements: peaks.length, all };
}

/**
 * One row per trial and contestant that has samples, in trial order then
 * contestant order: samples/s, us/step, GFLOP/s, % of the peak, and how
 * many times slower than descent native it is ("native x").
 */
export function summarizeRows(trials, contestants, samples) {
  const rows = [];
  for (const trial of trials) {
    const flops = trialFlops(trial);
    const nativeSamples = samples.get(`${trial.name}\u0000descent native`);
    for (const contestant of contestants) {
      const values = samples.get(`${trial.name}\u0000${contestant}`);
      if (!values) continue;
      const usPerStep = median(values.map((v) => v.usPerStep));
      const shares = values.filter((v) => v.peakGflops).map((v) => (100 * flops) / v.usPerStep / 1e3 / v.peakGflops);
      rows.push({
        trial: trial.name,
        backend: contestant,
        samplesPerSecond: (trial.batch * 1e6) / usPerStep,
        usPerStep,
        gflops: flops / usPerStep / 1e3,
        percentOfPeak: shares.length === values.length ? median(shares) : null,
        nativeSpeedup: nativeSamples ? usPerStep / median(nativeSamples.map((v) => v.usPerStep)) : null,
        rounds: values.length,
      });
    }
  }
  return rows;
}
