// The doctor's time on the digits: `diagnose` with the defaults and with
// the question's network, timed in this process from the built dist, the
// worst of three runs each. Target: under 2 s (the doctor is a quick look).
import { fileURLToPath } from 'node:url';

const DIST = new URL('../dist/index.js', import.meta.url);
const TARGET_SECONDS = 2;
const RUNS = 3;

export async function timeDoctor(log) {
  const { diagnose, loadDigits, trainTestSplit } = await import(fileURLToPath(DIST));
  const { train, test } = trainTestSplit(loadDigits(), { testFraction: 0.2, seed: 0 });
  const cases = [
    ['defaults (64-128-10)', { layers: [64, 128, 10] }, { test }],
    ['the question (64-10-10 tanh mse uniform sgd)', { layers: [64, 10, 10], output: 'tanh', loss: 'mse', init: 'uniform' }, { optimizer: 'sgd', test }],
  ];
  const results = [];
  for (const [name, network, options] of cases) {
    const seconds = [];
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now();
      await diagnose(network, train, options);
      seconds.push((performance.now() - started) / 1000);
    }
    const worst = Math.max(...seconds);
    log(`doctor on digits, ${name}: worst of ${RUNS} ${worst.toFixed(3)} s`);
    results.push({ name, seconds, worstSeconds: worst, pass: worst < TARGET_SECONDS });
  }
  return { targetSeconds: TARGET_SECONDS, cases: results, pass: results.every((r) => r.pass) };
}
