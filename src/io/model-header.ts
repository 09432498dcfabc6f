/**
 * What a model file's JSON header (and toJSON's object) says about a
 * network, written and checked in one place: the binary file and the JSON
 * form differ only in where the floats go.
 */
import { storedPlan } from '../build-plan.js';
import { checkPreprocessing, type Preprocessing } from '../data/preprocess.js';
import { OPTIMIZERS, optimizerOp } from '../ops/optimizers/index.js';
import { parameterName, type Plan } from '../plan.js';
import { describe, expectNonNegativeInteger, expectObject, expectOneOf, expectPositiveInteger } from '../validate.js';
import { descentVersion } from './descent-version.js';
import { ModelFileError } from './model-error.js';

export const MODEL_FORMAT = 'descent-model';
/** The format version this descent writes, and the newest it reads. */
export const MODEL_FORMAT_VERSION = 1;

export type JsonObject = { [key: string]: unknown };

/** A network as a model file holds it. */
export interface ModelParts {
  plan: Plan;
  seed: number;
  /** plan.size values. */
  params: Float32Array;
  preprocessing: Preprocessing | null;
  labelNames: string[] | null;
  /** How it was trained, as the caller summarises it: any JSON object. */
  training: JsonObject | null;
  /** The optimizer's state: moments are slots x plan.size values, slot after slot. */
  optimizer?: { name: string; step: number; moments: Float32Array };
  /** A training run to resume (fit's epoch, RNG state, settings): opaque here. */
  checkpoint?: JsonObject;
}

/** The parts as read back, with the version of descent that wrote them. */
export interface DecodedModel extends ModelParts {
  descent: string;
}

/** The header fields, in the order they are written. */
export interface ModelHeaderFields {
  format: typeof MODEL_FORMAT;
  version: number;
  descent: string;
  plan: Plan;
  seed: number;
  preprocessing: Preprocessing | null;
  labelNames: string[] | null;
  training: JsonObject | null;
  optimizer?: { name: string; step: number };
  checkpoint?: JsonObject;
}

export function headerFields(parts: ModelParts): ModelHeaderFields {
  const fields: ModelHeaderFields = {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    descent: descentVersion(),
    plan: parts.plan,
    seed: parts.seed,
    preprocessing: parts.preprocessing,
    labelNames: parts.labelNames,
    training: parts.training,
  };
  if (parts.optimizer) fields.optimizer = { name: parts.optimizer.name, step: parts.optimizer.step };
  if (parts.checkpoint !== undefined) fields.checkpoint = parts.checkpoint;
  return fields;
}

/** Checks, before writing, what would make a file that cannot be read back. */
export function checkPartsToWrite(parts: ModelParts): void {
  const size = parts.plan.size;
  if (!(parts.params instanceof Float32Array) || parts.params.length !== size) {
    throw new RangeError(`params must be a Float32Array of plan.size (${size}) values, received ${describe(parts.params)}`);
  }
  // A file load would refuse (a diverged network's NaN weights) is not written.
  for (let i = 0; i < size; i++) {
    const value = parts.params[i];
    if (value - value !== 0) {
      throw new RangeError(
        `params[${i}] is ${value} (${parameterName(parts.plan, i)}): a model holds finite weights only, so this network cannot be saved`,
      );
    }
  }
  if (parts.optimizer) {
    const { name, moments } = parts.optimizer;
    const slots = optimizerOp(expectOneOf('optimizer.name', name, OPTIMIZERS)).slots;
    if (!(moments instanceof Float32Array) || moments.length !== slots * size) {
      throw new RangeError(`optimizer.moments must be a Float32Array of ${slots} x ${size} values for "${name}", received ${describe(moments)}`);
    }
  }
}

export function futureVersionError(where: string, version: number): ModelFileError {
  return new ModelFileError(
    `${where} is a descent model of format version ${version}; this descent reads up to ${MODEL_FORMAT_VERSION}: upgrade descent`,
  );
}

/** The header's fields checked for presence and type; plan and preprocessing not yet resolved. */
export interface CheckedHeader {
  descent: string;
  plan: JsonObject;
  /** The stored plan.size: what the float sections are measured against. */
  size: number;
  seed: number;
  preprocessing: unknown;
  labelNames: string[] | null;
  training: JsonObject | null;
  optimizer: { name: string; step: number; slots: number } | null;
  checkpoint: JsonObject | undefined;
}

const REQUIRED = ['descent', 'plan', 'seed', 'preprocessing', 'labelNames', 'training'] as const;

/**
 * The header's fields, each present and of its type. `version` is the one
 * the file's preamble gave (null for the JSON form, which has none).
 */
export function checkHeader(where: string, value: unknown, preambleVersion: number | null, extra: readonly string[]): CheckedHeader {
  return inHeader(where, 'a bad header', () => {
    const h = expectObject('the header', value);
    if (h.format !== MODEL_FORMAT) throw new TypeError(`format must be "${MODEL_FORMAT}", received ${describe(h.format)}`);
    if (preambleVersion === null) {
      const version = expectPositiveInteger('version', h.version);
      if (version > MODEL_FORMAT_VERSION) throw futureVersionError(where, version);
    } else if (h.version !== preambleVersion) {
      throw new RangeError(`version is ${describe(h.version)}, but the file's preamble says ${preambleVersion}`);
    }
    for (const key of [...REQUIRED, ...extra]) {
      if (!(key in h)) throw new TypeError(`it lacks "${key}"`);
    }
    if (typeof h.descent !== 'string') throw new TypeError(`descent must be a version string, received ${describe(h.descent)}`);
    const plan = expectObject('plan', h.plan);
    const size = expectNonNegativeInteger('plan.size', plan.size);
    return {
      descent: h.descent,
      plan,
      size,
      seed: expectNonNegativeInteger('seed', h.seed),
      preprocessing: h.preprocessing,
      labelNames: checkLabelNames(h.labelNames),
      training: h.training === null ? null : expectObject('training', h.training),
      optimizer: h.optimizer === undefined ? null : checkOptimizer(h.optimizer),
      checkpoint: h.checkpoint === undefined ? undefined : expectObject('checkpoint', h.checkpoint),
    };
  });
}

function checkLabelNames(value: unknown): string[] | null {
  if (value === null) return null;
  if (!Array.isArray(value) || !value.every((name) => typeof name === 'string')) {
    throw new TypeError(`labelNames must be null or an array of strings, received ${describe(value)}`);
  }
  return [...value];
}

function checkOptimizer(value: unknown): { name: string; step: number; slots: number } {
  const o = expectObject('optimizer', value);
  const name = expectOneOf('optimizer.name', o.name, OPTIMIZERS);
  return { name, step: expectNonNegativeInteger('optimizer.step', o.step), slots: optimizerOp(name).slots };
}

/** Checks the float counts a file (or JSON) holds against what its header says they must be. */
export function checkCounts(where: string, header: CheckedHeader, params: number, moments: number | null): void {
  if (params !== header.size) {
    throw new ModelFileError(`${where} has ${params} params, but its plan needs ${header.size} (plan.size)`);
  }
  if ((moments === null) !== (header.optimizer === null)) {
    throw new ModelFileError(
      moments === null ? `${where} has a bad header: it names an optimizer but holds no moments` : `${where} has a bad header: it holds moments but names no optimizer`,
    );
  }
  if (header.optimizer && moments !== header.optimizer.slots * header.size) {
    const { name, slots } = header.optimizer;
    throw new ModelFileError(
      `${where} has ${moments} moments, but optimizer "${name}" keeps ${slots} per parameter: ${slots * header.size} for its plan`,
    );
  }
}

/** The parts, once the plan is resolved again (the checks a user's plan gets) and the preprocessing checked. */
export function resolveParts(where: string, header: CheckedHeader, params: Float32Array, moments: Float32Array | null): DecodedModel {
  const plan = inHeader(where, 'an invalid plan', () => {
    const resolved = storedPlan(header.plan);
    for (const field of ['size', 'outputs'] as const) {
      if (header.plan[field] !== resolved[field]) {
        throw new RangeError(`plan.${field} is ${describe(header.plan[field])}, but its layers give ${resolved[field]}`);
      }
    }
    return resolved;
  });
  const preprocessing = inHeader(where, 'an invalid preprocessing', () => checkPreprocessing('preprocessing', header.preprocessing, plan.inputs));
  inHeader(where, 'invalid label names', () => {
    const classes = plan.outputs === 1 ? 2 : plan.outputs;
    const names = header.labelNames;
    if (names !== null && (names.length !== classes || new Set(names).size !== names.length)) {
      throw new RangeError(`labelNames must be ${classes} distinct names (one per class of its ${plan.outputs} outputs), received ${names.length}${new Set(names).size !== names.length ? ' with repeats' : ''}`);
    }
  });
  inHeader(where, 'invalid parameters', () => {
    for (let i = 0; i < params.length; i++) {
      if (!Number.isFinite(params[i])) throw new RangeError(`params[${i}] is ${params[i]}: a model's weights must be finite numbers`);
    }
  });
  const parts: DecodedModel = {
    descent: header.descent,
    plan,
    seed: header.seed,
    params,
    preprocessing,
    labelNames: header.labelNames,
    training: header.training,
  };
  if (header.optimizer) parts.optimizer = { name: header.optimizer.name, step: header.optimizer.step, moments: moments! };
  if (header.checkpoint !== undefined) parts.checkpoint = header.checkpoint;
  return parts;
}

/** Runs a check, turning its TypeError or RangeError into one line that names the file. */
function inHeader<T>(where: string, what: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof ModelFileError) throw error;
    throw new ModelFileError(`${where} has ${what}: ${(error as Error).message}`);
  }
}
