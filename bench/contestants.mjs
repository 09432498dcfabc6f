// Every backend and peer the benchmark can run, each behind one shape:
//   { name, supports(trial), measure(trial, budget) -> { usPerStep }, close() }
// or { name, skipped: 'reason' } when it cannot run on this machine.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { nativeAvailable, nativeBackend, nativeLoadError, loadNativeAddon } from '../dist/backend/native.js';
import { descentContestant, referenceContestant } from './descent-runner.mjs';
import { timeCalls } from './measure.mjs';

/** Wraps a prepare()-style contestant into one that measures in this process. */
function inProcess(contestant, { slow = false, supports = () => true } = {}) {
  return {
    name: contestant.name,
    supports,
    async measure(trial, budget) {
      const prepared = await contestant.prepare(trial);
      try {
        return await timeCalls(`${contestant.name} ${trial.name}`, prepared, {
          timeMs: budget.timeMs,
          minIterations: slow ? 1 : budget.minIterations,
        });
      } finally {
        prepared.dispose();
      }
    },
    close() {},
  };
}

export function nativeContestant(threads) {
  if (!nativeAvailable()) return { name: 'descent native', skipped: nativeLoadError().message.split('\n')[0] };
  const kernels = loadNativeAddon().kernels;
  // About 2 GFLOP per call (at most 2,000 steps): several steps per
  // crossing into native code, as one trainEpoch call of fit runs a whole
  // epoch; PyTorch's steps are timed in its own Python loop, which crosses
  // nothing. The biggest trial still takes one step per call.
  return inProcess(descentContestant('descent native', nativeBackend, kernels, { flopsPerCall: 2e9, threads }));
}

export function jsContestant() {
  return inProcess(referenceContestant(), { slow: true });
}

export async function tfjsContestant(backendName) {
  const name = `tfjs ${backendName}`;
  let peer;
  try {
    peer = await import('./peers/tfjs-peer.mjs');
    await peer.initTfjs(backendName);
  } catch (error) {
    return { name, skipped: `could not load @tensorflow/tfjs (${backendName}): ${error.message}` };
  }
  return inProcess(
    {
      name,
      async prepare(trial) {
        await peer.initTfjs(backendName);
        const create = trial.kind === 'step' ? peer.createTfjsTrial : peer.createTfjsKernelTrial;
        const { step, dispose } = await create(backendName, trial);
        return { stepsPerCall: 1, call: step, dispose };
      },
    },
    // Slow on the big trials (seconds per call): one timed call at least, as
    // for the js reference; the time budget still gives the fast trials many.
    { slow: true },
  );
}

const PYTHON = '/usr/bin/python3';
const TORCH_PEER = fileURLToPath(new URL('./peers/torch_peer.py', import.meta.url));

/**
 * PyTorch in a long-lived python3 process, so its measurements can be
 * interleaved with the others: one JSON request per line, one reply per line.
 */
export async function torchContestant() {
  const name = 'pytorch';
  if (!existsSync(PYTHON)) return { name, skipped: `${PYTHON} not found` };
  const child = spawn(PYTHON, [TORCH_PEER, '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const pending = [];
  lines.on('line', (line) => pending.shift()?.resolve(line));
  child.on('exit', (code) => {
    for (const p of pending.splice(0)) p.reject(new Error(`torch peer exited with code ${code}`));
  });
  const request = (message) =>
    new Promise((resolve, reject) => {
      pending.push({ resolve: (line) => resolve(JSON.parse(line)), reject });
      child.stdin.write(`${JSON.stringify(message)}\n`);
    });
  const hello = await request({ op: 'hello' }).catch((error) => ({ skipped: error.message }));
  if (hello.skipped || hello.error) {
    child.kill();
    return { name, skipped: hello.skipped ?? hello.error };
  }
  return {
    name,
    info: hello,
    supports: () => true,
    async measure(trial, budget) {
      const reply = await request({ op: 'time', trial, timeMs: budget.timeMs, minIterations: budget.minIterations });
      if (reply.error) throw new Error(`torch peer: ${reply.error}`);
      return { usPerStep: reply.usPerStep, calls: reply.samples };
    },
    close() {
      child.stdin.end();
    },
  };
}
