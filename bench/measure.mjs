// Times one contestant on one trial with tinybench: the median latency of
// a call, divided by the steps the call holds.
import { Bench } from 'tinybench';

/**
 * @param prepared {stepsPerCall, call} from a contestant's prepare()
 * @param timeMs time budget of this measurement
 * @param minIterations at least this many calls (1 for the slow reference)
 * @returns {usPerStep, calls}
 */
export async function timeCalls(label, prepared, { timeMs, minIterations }) {
  const bench = new Bench({
    time: timeMs,
    iterations: minIterations,
    warmup: true,
    warmupTime: Math.min(200, timeMs / 4),
    warmupIterations: Math.min(minIterations, 3),
    throws: true,
  });
  bench.add(label, prepared.call);
  await bench.run();
  const result = bench.tasks[0].result;
  if (!result || result.state !== 'completed') {
    throw new Error(`${label}: tinybench did not complete (${result?.state ?? 'no result'})`);
  }
  return { usPerStep: (result.latency.p50 * 1000) / prepared.stepsPerCall, calls: result.latency.samplesCount };
}
