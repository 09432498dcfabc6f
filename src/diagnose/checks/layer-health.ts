/**
 * Check 5: per layer over the probe, from the trainer's statistics: dead
 * ReLUs, saturated tanh / sigmoid units, gradients that vanish or explode
 * from the last dense layer to the first, and the size of an update
 * against the weights.
 */
import type { LayerStats } from '../../backend/types.js';
import type { Plan } from '../../plan.js';
import type { DoctorContext } from '../context.js';
import { round, type Finding } from '../findings.js';
import { CHUNK_STEPS } from '../probe.js';

/** Shares of dead units: a few dead ReLUs are normal; half a layer dead wastes it; 90% leaves nothing to learn with. */
const DEAD_WARNING = 0.5;
const DEAD_ERROR = 0.9;
/** Share of saturated outputs: beyond a third, most of the layer passes almost no gradient. */
export const SATURATED_WARNING = 1 / 3;
/**
 * The per-weight RMS gradient of the first dense layer over the last's. A
 * healthy network keeps it within a factor of 100 either way; each sigmoid
 * layer scales the gradient by at most 0.25, so eight of them give 1e-5.
 */
const VANISHING_RATIO = 1e-2;
const EXPLODING_RATIO = 1e2;
/**
 * An update's norm against the weights' (per step). About 1e-3 is the rule
 * of thumb; above 0.1 a step rewrites a tenth of the layer (the learning
 * rate is too high), below 1e-5 nothing moves in a probe's few hundred steps.
 */
const UPDATE_HIGH = 0.1;
const UPDATE_LOW = 1e-5;

export function checkLayerHealth({ probe, fit, network }: DoctorContext): Finding[] {
  if (probe.layerStats.length === 0) return [];
  const last = probe.layerStats[probe.layerStats.length - 1];
  const findings: Finding[] = [];
  for (const s of last) {
    if (s.kind !== 'activation' || s.values === 0) continue;
    const dead = s.deadUnits / s.units;
    if (dead >= DEAD_WARNING) {
      findings.push({
        code: 'DEAD_UNITS',
        severity: dead >= DEAD_ERROR ? 'error' : 'warning',
        layer: s.layer,
        message: `${s.deadUnits} of ${s.units} units output 0 on every one of the last ${s.values / s.units} rows: they are dead and get no gradient`,
        evidence: { deadUnits: s.deadUnits, units: s.units, deadShare: round(dead), rows: s.values / s.units },
        fix: "--activation leaky-relu (API activation: 'leaky-relu'), --init he, or a lower --lr",
      });
    }
    const saturated = s.saturated / s.values;
    if (saturated > SATURATED_WARNING) {
      findings.push({
        code: 'SATURATED_UNITS',
        severity: 'warning',
        layer: s.layer,
        message: `${round(saturated * 100)}% of this layer's outputs sit at the flat ends of its activation, where almost no gradient passes`,
        evidence: { saturatedShare: round(saturated), values: s.values },
        fix: "--init glorot and inputs scaled to unit size (--preprocess standardize), or --activation relu",
      });
    }
  }
  const dense = gradientRms(probe.layerStats, network.plan);
  if (dense.length >= 2) {
    const ratio = dense[0].rms / dense[dense.length - 1].rms;
    const evidence = { ratio: round(ratio), denseLayers: dense.map((d) => d.layer), gradientRms: dense.map((d) => round(d.rms)) };
    if (ratio < VANISHING_RATIO) {
      findings.push({
        code: 'VANISHING_GRADIENTS',
        severity: 'warning',
        layer: dense[0].layer,
        message: `the first dense layer's gradient is ${round(ratio)}x the last one's: it shrinks on its way back through ${dense.length} layers and the early layers barely learn`,
        evidence,
        fix: "--activation relu with --init he (API activation: 'relu', init: 'he'), or fewer layers",
      });
    } else if (ratio > EXPLODING_RATIO) {
      findings.push({
        code: 'EXPLODING_GRADIENTS',
        severity: 'warning',
        layer: dense[0].layer,
        message: `the first dense layer's gradient is ${round(ratio)}x the last one's: it grows on its way back`,
        evidence,
        fix: '--init he or --init glorot, and a lower --lr',
      });
    }
  }
  findings.push(...updateRatioFindings(last, fit.lr));
  return findings;
}

/** Each dense layer's per-weight RMS gradient over the whole probe. */
function gradientRms(chunks: LayerStats[][], plan: Plan): { layer: number; rms: number }[] {
  const totals = new Map<number, { squares: number; steps: number }>();
  for (const chunk of chunks) {
    for (const s of chunk) {
      if (s.kind !== 'dense') continue;
      const t = totals.get(s.layer) ?? { squares: 0, steps: 0 };
      t.squares += s.gradSquares;
      t.steps += s.steps;
      totals.set(s.layer, t);
    }
  }
  return [...totals].filter(([, t]) => t.steps > 0).map(([layer, t]) => ({ layer, rms: Math.sqrt(t.squares / t.steps / weightCount(plan, layer)) }));
}

function updateRatioFindings(last: LayerStats[], lr: number): Finding[] {
  const ratios = last
    .filter((s) => s.kind === 'dense' && s.steps > 0 && s.weightSquares > 0)
    .map((s) => ({ layer: s.layer, ratio: Math.sqrt(s.updateSquares / s.steps) / Math.sqrt(s.weightSquares) }));
  if (ratios.length === 0) return [];
  const evidence = { lr, denseLayers: ratios.map((r) => r.layer), updateRatios: ratios.map((r) => round(r.ratio)) };
  const highest = ratios.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  const lowest = ratios.reduce((a, b) => (b.ratio < a.ratio ? b : a));
  if (highest.ratio > UPDATE_HIGH) {
    return [{
      code: 'UPDATE_RATIO_HIGH',
      severity: 'warning',
      layer: highest.layer,
      message: `one step changes this layer's weights by ${round(highest.ratio)} of their norm (about 0.001 is healthy)`,
      evidence,
      fix: `a lower --lr (now ${lr}; try ${round(lr / 10)})`,
    }];
  }
  if (lowest.ratio === 0) {
    // Not a small learning rate: no gradient reaches the layer, and no learning rate moves a zero gradient.
    return [{
      code: 'UPDATE_RATIO_LOW',
      severity: 'error',
      layer: lowest.layer,
      message: `this layer's weights did not change at all over the last ${CHUNK_STEPS} steps: no gradient reaches it (the units after it are dead or saturated)`,
      evidence,
      fix: 'fix the dead or saturated units after it (see DEAD_UNITS, SATURATED_UNITS; --init he or --init glorot); a higher --lr cannot move a zero gradient',
    }];
  }
  if (lowest.ratio < UPDATE_LOW) {
    return [{
      code: 'UPDATE_RATIO_LOW',
      severity: 'warning',
      layer: lowest.layer,
      message: `one step changes this layer's weights by ${round(lowest.ratio)} of their norm (about 0.001 is healthy): it barely moves`,
      evidence,
      fix: `a higher --lr (now ${lr}), or --optimizer adam`,
    }];
  }
  return [];
}

function weightCount(plan: Plan, index: number): number {
  const layer = plan.layers[index];
  return layer.kind === 'dense' ? layer.inputs * layer.units : 1;
}
