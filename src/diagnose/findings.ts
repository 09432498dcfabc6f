/**
 * The doctor's findings: one table of codes (docs/doctor.md describes each
 * code's evidence), the shape of a finding, and their order (worst first).
 */

export type Severity = 'error' | 'warning' | 'info';

/** Every finding code, with the check family that reports it. */
export const FINDING_CODES = {
  OUTPUT_LOSS_MISMATCH: 'output',
  SIGMOID_EXCLUSIVE_CLASSES: 'output',
  TARGETS_OUT_OF_RANGE: 'output',
  INITIAL_LOSS_HIGH: 'initial-loss',
  INIT_ALL_POSITIVE: 'initialisation',
  INIT_MEAN_OFFSET: 'initialisation',
  INIT_SCALE: 'initialisation',
  GRADIENT_CHECK_FAILED: 'gradients',
  DEAD_UNITS: 'layers',
  SATURATED_UNITS: 'layers',
  VANISHING_GRADIENTS: 'layers',
  EXPLODING_GRADIENTS: 'layers',
  UPDATE_RATIO_HIGH: 'layers',
  UPDATE_RATIO_LOW: 'layers',
  LOSS_NON_FINITE: 'loss',
  LOSS_DIVERGING: 'loss',
  LOSS_STALLED: 'loss',
  OVERFIT_FAILED: 'overfit',
  INPUT_SCALE: 'inputs',
  INPUT_CONSTANT: 'inputs',
  CLASS_IMBALANCE: 'inputs',
  TRAIN_TEST_DUPLICATES: 'inputs',
} as const;

export type FindingCode = keyof typeof FINDING_CODES;

export type Evidence = Record<string, number | string | boolean | null | number[]>;

export interface Finding {
  code: FindingCode;
  severity: Severity;
  /** The plan index of the layer it concerns, or null for the network or the data. */
  layer: number | null;
  /** One line for people. */
  message: string;
  /** The measurements behind it (fields per code in docs/doctor.md). */
  evidence: Evidence;
  /** What to change: the CLI flag and the API option. */
  fix: string;
}

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Worst first; then in the order of the check families (the table's order), then by layer. */
export function sortFindings(findings: Finding[]): Finding[] {
  const order = Object.keys(FINDING_CODES);
  return [...findings].sort(
    (a, b) => RANK[a.severity] - RANK[b.severity] || order.indexOf(a.code) - order.indexOf(b.code) || (a.layer ?? -1) - (b.layer ?? -1),
  );
}

/** A number for evidence and messages: 3 significant digits. */
export function round(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(3)) : value;
}
