/**
 * Check 4: the analytic gradient against finite differences (gradcheck,
 * a sample of every dense layer), and each custom activation's derivative
 * against a finite difference of its f. A wrong derivative is named by
 * the layer it sits in.
 */
import { isCustomActivation, type CustomActivation } from '../../ops/activations/custom.js';
import type { DoctorContext } from '../context.js';
import { round, type Evidence, type Finding } from '../findings.js';
import { gradcheckJob } from '../gradcheck.js';
import type { Job } from '../../cooperative.js';

/**
 * Relative error above which a gradient is wrong: float64 five-point
 * differences agree with a right gradient to ~1e-8 (gradcheck's own
 * default passes at 1e-6); a wrong derivative is off by order 1. 1e-3
 * leaves room for a ReLU kink crossed by a difference step.
 */
const TOLERANCE = 1e-3;
/**
 * Parameters checked per dense layer, on a batch of 2 rows: four loss
 * evaluations each, so the check stays well under a second up to
 * Fashion-MNIST's 784-256-128-10 in the js float64 driver.
 */
const PER_LAYER = 24;
const BATCH = 2;

/** Where a custom derivative is compared with its f: the range pre-activations occupy. */
const POINTS = Array.from({ length: 41 }, (_, i) => -4 + i * 0.2);

/** The worst disagreement of derivative(z) with the five-point difference of f, or null when it agrees. */
function derivativeError(custom: CustomActivation): { z: number; derivative: number; finiteDifference: number; error: number } | null {
  const h = 1e-4;
  let worst: { z: number; derivative: number; finiteDifference: number; error: number } | null = null;
  for (const z of POINTS) {
    const { f } = custom;
    const numeric = (8 * (f(z + h) - f(z - h)) - (f(z + 2 * h) - f(z - 2 * h))) / (12 * h);
    const analytic = custom.derivative(z);
    const error = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), 1e-4);
    if (error > TOLERANCE && (worst === null || error > worst.error)) worst = { z, derivative: analytic, finiteDifference: numeric, error };
  }
  return worst;
}

export function* checkGradientsJob({ network, fit }: DoctorContext): Job<Finding[]> {
  const { plan } = network;
  const report = yield* gradcheckJob(network, { perLayer: PER_LAYER, batch: BATCH, seed: fit.seed, tolerance: TOLERANCE });
  const layerErrors = report.layers.map((l) => round(Math.max(l.weights, l.biases)));
  const evidence: Evidence = { maxRelativeError: round(report.maxRelativeError), tolerance: TOLERANCE, checked: report.checked, denseLayers: report.layers.map((l) => l.planIndex), layerErrors };
  const findings: Finding[] = [];
  plan.layers.forEach((layer, index) => {
    if (layer.kind !== 'activation' || !isCustomActivation(layer.activation)) return;
    const wrong = derivativeError(layer.activation);
    if (wrong === null) return;
    findings.push({
      code: 'GRADIENT_CHECK_FAILED',
      severity: 'error',
      layer: index,
      message: `the derivative of custom activation "${layer.activation.name}" disagrees with its f: at z = ${round(wrong.z)} it returns ${round(wrong.derivative)}, the finite difference of f is ${round(wrong.finiteDifference)}; every layer before it gets a wrong gradient`,
      evidence: { ...evidence, activation: layer.activation.name, z: round(wrong.z), derivative: round(wrong.derivative), finiteDifference: round(wrong.finiteDifference) },
      fix: `correct plan[${index}].activation.derivative: it must be d f(z) / dz (for tanh, 1 - tanh(z)^2)`,
    });
  });
  if (findings.length === 0 && report.maxRelativeError > TOLERANCE) {
    // The error enters at the deepest failing layer; the layers before it inherit it.
    const failing = report.layers.filter((l) => Math.max(l.weights, l.biases) > TOLERANCE);
    const deepest = failing[failing.length - 1];
    findings.push({
      code: 'GRADIENT_CHECK_FAILED',
      severity: 'error',
      layer: deepest.planIndex,
      message: `the analytic gradient of layer ${deepest.planIndex} differs from finite differences by ${round(Math.max(deepest.weights, deepest.biases))} (relative): backpropagation is wrong there`,
      evidence,
      fix: 'a backend bug: report it with this plan; train with --backend js (API backend: \'js\') to compare',
    });
  }
  return findings;
}
