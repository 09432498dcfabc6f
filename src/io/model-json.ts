/**
 * A model as one plain JSON object: the model file's header fields, with
 * the floats as base64 of their float32 little-endian bytes in place of
 * the file's sections.
 */
import { describe } from '../validate.js';
import { base64Bytes, float32Bytes, float32FromBytes } from './float32-le.js';
import { ModelFileError } from './model-error.js';
import { checkCounts, checkHeader, checkPartsToWrite, headerFields, resolveParts, type DecodedModel, type ModelHeaderFields, type ModelParts } from './model-header.js';

export interface ModelJSON extends ModelHeaderFields {
  /** plan.size float32 values. */
  params: string;
  /** With optimizer: its slots x plan.size values. */
  moments?: string;
}

const WHERE = 'the model JSON';

export function modelToJSON(parts: ModelParts): ModelJSON {
  checkPartsToWrite(parts);
  // A copy: the object is the caller's to change, not a window into the network.
  const json: ModelJSON = { ...structuredClone(headerFields(parts)), params: float32Bytes(parts.params).toString('base64') };
  if (parts.optimizer) json.moments = float32Bytes(parts.optimizer.moments).toString('base64');
  return json;
}

/** The parts a model JSON holds (an object, or its JSON.stringify text), checked as a model file's are. */
export function modelFromJSON(value: unknown): DecodedModel {
  let json = value;
  if (typeof value === 'string') {
    try {
      json = JSON.parse(value);
    } catch (error) {
      throw new ModelFileError(`${WHERE} is not valid JSON (${(error as Error).message})`);
    }
  }
  const header = checkHeader(WHERE, json, null, ['params']);
  const { params, moments } = json as { params: unknown; moments?: unknown };
  const paramBytes = base64Floats('params', params);
  const momentBytes = moments === undefined ? null : base64Floats('moments', moments);
  checkCounts(WHERE, header, paramBytes.length / 4, momentBytes === null ? null : momentBytes.length / 4);
  return resolveParts(
    WHERE,
    header,
    float32FromBytes(paramBytes, paramBytes.length / 4),
    momentBytes === null ? null : float32FromBytes(momentBytes, momentBytes.length / 4),
  );
}

function base64Floats(field: string, value: unknown): Buffer {
  if (typeof value !== 'string') throw new ModelFileError(`${WHERE} has a bad ${field}: it must be base64 text, received ${describe(value)}`);
  const bytes = base64Bytes(value);
  if (bytes === null) throw new ModelFileError(`${WHERE} has a bad ${field}: it is not base64 text (padded, without line breaks)`);
  if (bytes.length % 4 !== 0) {
    throw new ModelFileError(`${WHERE} has a bad ${field}: ${bytes.length} bytes are not a whole number of float32 values`);
  }
  return bytes;
}
