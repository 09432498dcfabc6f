// A network that sits at chance on the 8x8 digits: 64-10-10, a tanh
// output trained with squared error against one-hot targets, weights drawn
// from [0, 1), and a tanh whose derivative was written as tanh(z). The
// doctor says why it does not learn. Run after `npm run build`:
//   node examples/the-question.mjs
import { diagnose, loadDigits, trainTestSplit } from 'descent-nn';

const { train, test } = trainTestSplit(loadDigits(), { testFraction: 0.2, seed: 0 });

const wrongTanh = { name: 'tanh', f: Math.tanh, derivative: (z) => Math.tanh(z) }; // should be 1 - tanh(z)^2
const report = await diagnose(
  { layers: [64, 10, 10], activation: wrongTanh, output: 'tanh', loss: 'mse', init: 'uniform' },
  train,
  { optimizer: 'sgd', test },
);
for (const f of report.findings) {
  console.log(`${f.severity.padEnd(7)} ${f.code}${f.layer === null ? '' : ` plan[${f.layer}]`}: ${f.message}`);
  console.log(`        fix: ${f.fix}`);
}
