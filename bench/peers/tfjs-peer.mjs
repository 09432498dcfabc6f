// TensorFlow.js peer for `npm run bench`: the same dense-network training step as the
// other backends, on @tensorflow/tfjs's pure-JS 'cpu' backend or on
// @tensorflow/tfjs-backend-wasm's 'wasm' backend (XNNPACK compiled to WebAssembly).
//
//   await initTfjs('cpu' | 'wasm')            -> { backend, version, simd, threads }
//   const t = await createTfjsTrial(backend, { name, layers, batch })
//   t.step()      one full training step; synchronous, the loss has been read back when it returns
//   t.dispose()   frees the trial's tensors and optimizer state
//   const k = await createTfjsKernelTrial(backend, { name, kind, inputs, outputs, batch })
//   k.step()      one dense forward (relu(x W + b)) or backward (dz = dy * relu'(y),
//                 dW = x^T dz, db = sum of dz's rows, dx = dz W^T), as descent's kernels
//   k.results()   the same pass, its results read back as Float32Arrays
//   k.dispose()
//   tfjsVersion() -> '4.22.0'
//
// The step: He-normal weights (std sqrt(2/fan_in)) and zero biases in tf.variable()s,
// hidden layers `relu(x @ W + b)`, last layer logits, tf.losses.softmaxCrossEntropy
// (softmax fused with the loss, mean over the batch) against one-hot labels,
// tf.train.momentum(0.01, 0.9) (no Nesterov, no decay) through optimizer.minimize()
// with a closure.  Each layer is tf.fused.matMul({a, b, bias, activation}) -- the same op
// tf.layers.dense uses -- so both backends get their fused matmul+bias+relu kernel.
// Input x ~ U[0,1) and integer labels in [0, classes) are drawn once per trial and
// reused every step (labels one-hot encoded once, like the integer tensor torch keeps).
// Only the variables get gradients; x is a constant, so the first layer computes no
// input gradient (tfjs prunes the tape), matching the flop count the harness assumes.
//
// WASM threads / SIMD in Node 20 (tfjs-backend-wasm 4.22.0):
//  * SIMD: yes.  The backend probes WebAssembly.validate() with a SIMD module; V8 in
//    Node 20 accepts it, so it loads tfjs-backend-wasm-simd.wasm (initTfjs reports simd).
//  * Threads: no.  The WASM_HAS_MULTITHREAD_SUPPORT flag is hard-wired to false when
//    IS_NODE (tensorflow/tfjs#3830), and forcing it on does not help: the threaded-SIMD
//    build spawns its pthread workers from a blob: URL (URL.createObjectURL), which
//    Node's worker_threads rejects -- checked on Node 20.20 with
//    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true): "Initialization of backend wasm
//    failed ... ERR_WORKER_PATH ... Received "blob:nodedata:..."", setBackend -> false.
//    So the wasm peer is single-threaded SIMD (getThreadsCount() reports 1) and the
//    cpu peer is single-threaded plain JS.  Both use one of the machine's cores.
// The .wasm binaries are read from node_modules by file path (setWasmPaths with a
// directory prefix, no platform fetch), so nothing touches the network.

import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

const require = createRequire(import.meta.url);

let prodModeSet = false;
let wasmConfigured = false;
let wasmModule = null;
let trialCounter = 0; // keeps variable names unique if a trial is built more than once

async function loadWasmBackend() {
  if (wasmModule) return wasmModule;
  // CommonJS package (dist/tf-backend-wasm.node.js); importing it registers 'wasm'.
  const mod = await import('@tensorflow/tfjs-backend-wasm');
  wasmModule = typeof mod.setWasmPaths === 'function' ? mod : mod.default;
  return wasmModule;
}

function wasmDir() {
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkg), 'dist') + path.sep;
}

/** Sets up and activates a backend ('cpu' or 'wasm'). Safe to call repeatedly. */
export async function initTfjs(backendName) {
  if (backendName !== 'cpu' && backendName !== 'wasm') {
    throw new Error(`tfjs peer: unknown backend '${backendName}' (expected 'cpu' or 'wasm')`);
  }
  if (!prodModeSet) {
    // Production mode: no debug-mode checks, and no "install tfjs-node" console noise.
    tf.enableProdMode();
    prodModeSet = true;
  }
  if (backendName === 'wasm') {
    const wasm = await loadWasmBackend();
    if (!wasmConfigured) {
      // Directory prefix on the local filesystem; usePlatformFetch=false, so Emscripten
      // reads the file with fs.readFileSync.  Must happen before the backend initialises.
      wasm.setWasmPaths(wasmDir(), false);
      wasmConfigured = true;
    }
  }
  const ok = await tf.setBackend(backendName);
  if (!ok || tf.getBackend() !== backendName) {
    throw new Error(`tfjs peer: could not initialise the '${backendName}' backend`);
  }
  await tf.ready();
  const info = { backend: backendName, version: tfjsVersion(), simd: false, threads: 1 };
  if (backendName === 'wasm') {
    info.simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    info.threads = wasmModule.getThreadsCount();
  }
  return info;
}

export function tfjsVersion() {
  return tf.version.tfjs ?? tf.version_core;
}

/**
 * Builds one trial's network, data and optimizer on `backendName`.
 * `trial.layers` lists the layer sizes ([784, 512, 256, 10] = three dense layers).
 */
export async function createTfjsTrial(backendName, trial) {
  const { name, layers, batch } = trial;
  if (!Array.isArray(layers) || layers.length < 2 || !Number.isInteger(batch) || batch < 1) {
    throw new Error(`tfjs peer: bad trial ${JSON.stringify(trial)}`);
  }
  if (tf.getBackend() !== backendName) await initTfjs(backendName);

  const seed = 1234;
  const prefix = `${name ?? 'trial'}#${++trialCounter}@${backendName}`;
  const nLayers = layers.length - 1;
  const classes = layers[nLayers];
  const weights = [];
  const biases = [];
  for (let i = 0; i < nLayers; i++) {
    const fanIn = layers[i];
    weights.push(tf.tidy(() =>
      tf.variable(tf.randomNormal([fanIn, layers[i + 1]], 0, Math.sqrt(2 / fanIn), 'float32', seed + i),
        true, `${prefix}/w${i}`)));
    // tf.variable() wraps (does not consume) its initial tensor, so build it inside tidy.
    biases.push(tf.tidy(() => tf.variable(tf.zeros([layers[i + 1]]), true, `${prefix}/b${i}`)));
  }
  const varList = [...weights, ...biases];
  const x = tf.randomUniform([batch, layers[0]], 0, 1, 'float32', seed + 100);
  const labels = new Int32Array(batch);
  for (let i = 0; i < batch; i++) labels[i] = Math.floor(Math.random() * classes);
  const yOneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat());
  const optimizer = tf.train.momentum(0.01, 0.9, false);

  const lossFn = () => {
    let h = x;
    for (let i = 0; i < nLayers; i++) {
      h = tf.fused.matMul({
        a: h,
        b: weights[i],
        bias: biases[i],
        activation: i < nLayers - 1 ? 'relu' : 'linear',
      });
    }
    return tf.losses.softmaxCrossEntropy(yOneHot, h, undefined, 0, tf.Reduction.MEAN);
  };

  let disposed = false;
  const step = () => {
    if (disposed) throw new Error(`tfjs peer: trial '${name}' already disposed`);
    if (tf.getBackend() !== backendName) {
      throw new Error(`tfjs peer: trial '${name}' was built for '${backendName}' but the active ` +
        `backend is '${tf.getBackend()}'; call initTfjs('${backendName}') first`);
    }
    // minimize() runs forward + backward + momentum update inside its own tidy; it returns
    // only the loss.  Reading it back guarantees the step is complete (both backends are
    // synchronous anyway) before step() returns.
    const loss = optimizer.minimize(lossFn, true, varList);
    loss.dataSync();
    loss.dispose();
  };

  const dispose = () => {
    if (disposed) return;
    disposed = true;
    optimizer.dispose(); // momentum scalar + accumulators
    // MomentumOptimizer.dispose() does not call SGDOptimizer.dispose(), so its kept
    // -lr scalar `c` would leak (tfjs-core 4.22).
    if (optimizer.c != null && !optimizer.c.isDisposed) optimizer.c.dispose();
    tf.dispose([...varList, x, yOneHot]);
  };

  return { step, dispose };
}

/**
 * A dense layer's forward or backward pass alone (`trial.kind` 'forward' or
 * 'backward'), on the same shapes and with the same work as descent's
 * denseForward / denseBackward kernels. `data` ({x, w, b, dy}: Float32Arrays,
 * row-major) replaces the random inputs, for checking the results.
 *
 * Both backends run ops eagerly and synchronously, so the results exist when
 * step() returns; step() frees them without reading them back (descent's
 * kernels write into buffers the caller keeps). results() returns them.
 * The transposed products are written as tf.transpose + a plain matMul:
 * tfjs-backend-wasm sends matMul with a transpose flag to a scalar loop
 * (15-35x slower at these shapes), a plain one to XNNPACK; the cpu
 * backend runs both alike.
 *
 * @param {string} backendName
 * @param {{name: string, kind: string, inputs: number, outputs: number, batch: number}} trial
 * @param {{x: Float32Array, w: Float32Array, b: Float32Array, dy: Float32Array} | null} [data]
 * @returns {Promise<{step: () => void, results: () => Record<string, Float32Array>, dispose: () => void}>}
 */
export async function createTfjsKernelTrial(backendName, trial, data = null) {
  const { name, kind, inputs, outputs, batch } = trial;
  if ((kind !== 'forward' && kind !== 'backward') || ![inputs, outputs, batch].every((v) => Number.isInteger(v) && v > 0)) {
    throw new Error(`tfjs peer: bad kernel trial ${JSON.stringify(trial)}`);
  }
  if (tf.getBackend() !== backendName) await initTfjs(backendName);
  const seed = 4321;
  const given = (key, shape) => (data ? tf.tensor(data[key], shape, 'float32') : null);
  const x = given('x', [batch, inputs]) ?? tf.randomUniform([batch, inputs], 0, 1, 'float32', seed);
  const w = given('w', [inputs, outputs]) ?? tf.randomUniform([inputs, outputs], -0.05, 0.05, 'float32', seed + 1);
  const b = given('b', [outputs]) ?? tf.zeros([outputs]);
  const y = tf.fused.matMul({ a: x, b: w, bias: b, activation: 'relu' });
  const dy = given('dy', [batch, outputs]) ?? tf.randomUniform([batch, outputs], 0, 1, 'float32', seed + 2);
  let disposed = false;
  // The pass's results as tensors: [y] forward; [dw, db, dx] backward.
  const compute = () => {
    if (disposed) throw new Error(`tfjs peer: trial '${name}' already disposed`);
    if (kind === 'forward') return [tf.fused.matMul({ a: x, b: w, bias: b, activation: 'relu' })];
    return tf.tidy(() => {
      const dz = tf.mul(dy, tf.step(y));
      return [tf.matMul(tf.transpose(x), dz), tf.sum(dz, 0), tf.matMul(dz, tf.transpose(w))];
    });
  };
  const step = () => tf.dispose(compute());
  const results = () => {
    const tensors = compute();
    const arrays = tensors.map((t) => Float32Array.from(t.dataSync()));
    tf.dispose(tensors);
    return kind === 'forward' ? { y: arrays[0] } : { dw: arrays[0], db: arrays[1], dx: arrays[2] };
  };
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    tf.dispose([x, w, b, y, dy]);
  };
  return { step, results, dispose };
}
