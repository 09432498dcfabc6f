// One epoch over a dataset of Fashion-MNIST's size (60,000 x 784 in [0, 1],
// 10 classes; 784-256-128-10, batch 128, SGD + momentum) on the native
// backend, then this process's peak RSS as one JSON line. The pixels stay
// bytes (as Fashion-MNIST's files hold them) and are scaled per batch;
// with --float they are held as float32 instead, as PyTorch's job holds them.
import { Network } from '../dist/index.js';
import { Rng } from '../dist/rng.js';

const n = 60000;
const features = 784;
const rng = new Rng(1);
const asFloat = process.argv.includes('--float');
const x = asFloat ? new Float32Array(n * features) : new Uint8Array(n * features);
for (let i = 0; i < x.length; i++) x[i] = asFloat ? rng.integer(256) / 255 : rng.integer(256);
const y = new Int32Array(n);
for (let i = 0; i < n; i++) y[i] = rng.integer(10);

const data = asFloat ? { x, y, n, features, classes: 10 } : { x, xScale: 1 / 255, y, n, features, classes: 10 };
const net = new Network({ layers: [784, 256, 128, 10], backend: 'native' });
const started = performance.now();
await net.fit(data, { epochs: 1, batchSize: 128, optimizer: 'momentum', lr: 0.01 });
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  `${JSON.stringify({ peer: 'descent native', mode: 'memory', inputs: asFloat ? 'float32' : 'uint8', seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`,
);
