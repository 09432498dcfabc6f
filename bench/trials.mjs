// The trial list every backend and peer runs: full training steps (forward,
// backward, SGD + momentum update, softmax cross-entropy) and the dense
// kernels alone.

export const STEP_TRIALS = [
  { name: '64-32-10 b32', kind: 'step', layers: [64, 32, 10], batch: 32 },
  { name: '64-128-10 b1797', kind: 'step', layers: [64, 128, 10], batch: 1797 },
  { name: '784-512-256-10 b256', kind: 'step', layers: [784, 512, 256, 10], batch: 256 },
  { name: '784-1024-1024-10 b1024', kind: 'step', layers: [784, 1024, 1024, 10], batch: 1024 },
];

export const KERNEL_TRIALS = [
  { name: 'dense forward 784x512 b256', kind: 'forward', inputs: 784, outputs: 512, batch: 256 },
  { name: 'dense backward 784x512 b256', kind: 'backward', inputs: 784, outputs: 512, batch: 256 },
  { name: 'dense forward 1024x1024 b1024', kind: 'forward', inputs: 1024, outputs: 1024, batch: 1024 },
  { name: 'dense backward 1024x1024 b1024', kind: 'backward', inputs: 1024, outputs: 1024, batch: 1024 },
];

export const ALL_TRIALS = [...STEP_TRIALS, ...KERNEL_TRIALS];

/**
 * Floating-point operations of one trial, counting multiply and add:
 * forward 2*b*in*out per layer; backward 2*b*in*out for dW and another
 * 2*b*in*out for dx, except in the first layer, which needs no dx.
 * Bias, activation, loss and update are O(b*out) or O(params) and left out.
 */
export function trialFlops(trial) {
  if (trial.kind === 'forward') return 2 * trial.batch * trial.inputs * trial.outputs;
  if (trial.kind === 'backward') return 4 * trial.batch * trial.inputs * trial.outputs;
  let flops = 0;
  for (let l = 0; l + 1 < trial.layers.length; l++) {
    const mac = trial.batch * trial.layers[l] * trial.layers[l + 1];
    flops += 2 * mac + 2 * mac + (l > 0 ? 2 * mac : 0);
  }
  return flops;
}
