/**
 * The model file, as bytes (docs/model-format.md): a fixed preamble, a
 * JSON header, float32 sections, a SHA-256 of everything before it.
 * Pure functions: reading and writing files is model-io.ts's job.
 */
import { createHash } from 'node:crypto';
import { constants as bufferConstants } from 'node:buffer';
import { float32Bytes, float32FromBytes } from './float32-le.js';
import { ModelFileError } from './model-error.js';
import {
  checkCounts,
  checkHeader,
  checkPartsToWrite,
  futureVersionError,
  headerFields,
  MODEL_FORMAT_VERSION,
  resolveParts,
  type DecodedModel,
  type ModelParts,
} from './model-header.js';
import { describe, expectNonNegativeInteger, expectObject, expectOneOf } from '../validate.js';

/** "DESCENT" and a NUL: no text file (CSV, JSON) holds a NUL, and gzip, PNG and zip start otherwise. */
export const MODEL_MAGIC = Buffer.from('DESCENT\0', 'latin1');
/** Magic (8), format version (u32), header length (u32), file length (u64). */
const PREAMBLE_BYTES = 24;
const CHECKSUM_BYTES = 32;
const MIN_FILE_BYTES = PREAMBLE_BYTES + CHECKSUM_BYTES;
const SECTION_NAMES = ['params', 'moments'] as const;

interface SectionEntry {
  name: (typeof SECTION_NAMES)[number];
  /** float32 values. */
  count: number;
  /** Bytes from the start of the data (the first byte after the header). */
  offset: number;
}

export function encodeModel(parts: ModelParts): Buffer {
  checkPartsToWrite(parts);
  const sections: [SectionEntry, Float32Array][] = [];
  let dataBytes = 0;
  for (const [name, values] of [['params', parts.params], ['moments', parts.optimizer?.moments]] as const) {
    if (values === undefined) continue;
    sections.push([{ name, count: values.length, offset: dataBytes }, values]);
    dataBytes += values.byteLength;
  }
  const header = Buffer.from(JSON.stringify({ ...headerFields(parts), sections: sections.map(([entry]) => entry) }), 'utf8');
  // Trailing spaces (JSON whitespace) bring the data to a 4-byte boundary.
  const headerBytes = header.length + ((4 - ((PREAMBLE_BYTES + header.length) % 4)) % 4);
  const dataStart = PREAMBLE_BYTES + headerBytes;
  const total = dataStart + dataBytes + CHECKSUM_BYTES;
  if (total > bufferConstants.MAX_LENGTH) {
    throw new RangeError(`this model needs a file of ${total} bytes, more than one Buffer holds here (${bufferConstants.MAX_LENGTH})`);
  }
  const file = Buffer.allocUnsafe(total);
  MODEL_MAGIC.copy(file, 0);
  file.writeUInt32LE(MODEL_FORMAT_VERSION, 8);
  file.writeUInt32LE(headerBytes, 12);
  file.writeBigUInt64LE(BigInt(total), 16);
  header.copy(file, PREAMBLE_BYTES);
  file.fill(0x20, PREAMBLE_BYTES + header.length, dataStart);
  for (const [entry, values] of sections) float32Bytes(values).copy(file, dataStart + entry.offset);
  sha256(file.subarray(0, total - CHECKSUM_BYTES)).copy(file, total - CHECKSUM_BYTES);
  return file;
}

/**
 * The parts a model file holds. Checks, in order: the magic, the format
 * version, the length, the checksum, the header, the section counts, the
 * plan and the preprocessing; a failure is a ModelFileError naming fileName.
 */
export function decodeModel(bytes: Uint8Array, fileName: string): DecodedModel {
  const file = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  checkMagic(file, fileName);
  const version = formatVersion(file, fileName);
  checkLength(file, fileName);
  if (!sha256(file.subarray(0, file.length - CHECKSUM_BYTES)).equals(file.subarray(file.length - CHECKSUM_BYTES))) {
    throw corrupted(fileName);
  }
  const { json, dataStart } = headerJson(file, fileName);
  const header = checkHeader(fileName, json, version, ['sections']);
  const sections = sectionTable(fileName, (json as { sections: unknown }).sections, file.length - CHECKSUM_BYTES - dataStart);
  const params = sections.find((s) => s.name === 'params');
  const moments = sections.find((s) => s.name === 'moments');
  if (!params) throw new ModelFileError(`${fileName} has a bad header: sections has no "params" section`);
  checkCounts(fileName, header, params.count, moments ? moments.count : null);
  const floats = (entry: SectionEntry) => {
    const start = dataStart + entry.offset;
    return float32FromBytes(file.subarray(start, start + entry.count * 4), entry.count);
  };
  return resolveParts(fileName, header, floats(params), moments ? floats(moments) : null);
}

function checkMagic(file: Buffer, fileName: string): void {
  if (file.length === 0) throw new ModelFileError(`${fileName} is not a descent model file (it is empty)`);
  const head = file.subarray(0, MODEL_MAGIC.length);
  if (!MODEL_MAGIC.subarray(0, head.length).equals(head)) {
    throw new ModelFileError(`${fileName} is not a descent model file (it starts with ${showBytes(head)})`);
  }
  if (head.length < MODEL_MAGIC.length) throw truncated(fileName, `at least ${MIN_FILE_BYTES}`, file.length);
}

function formatVersion(file: Buffer, fileName: string): number {
  if (file.length < 12) throw truncated(fileName, `at least ${MIN_FILE_BYTES}`, file.length);
  const version = file.readUInt32LE(8);
  if (version > MODEL_FORMAT_VERSION) throw futureVersionError(fileName, version);
  if (version === 0) throw new ModelFileError(`${fileName} is corrupted: it names format version 0, which no descent writes`);
  return version;
}

/** The file holds the bytes its preamble says it has. */
function checkLength(file: Buffer, fileName: string): void {
  if (file.length < PREAMBLE_BYTES) throw truncated(fileName, `at least ${MIN_FILE_BYTES}`, file.length);
  const recorded = file.readBigUInt64LE(16);
  if (recorded === BigInt(file.length) && file.length >= MIN_FILE_BYTES) return;
  if (file.length >= MIN_FILE_BYTES && onlyTheLengthChanged(file)) throw corrupted(fileName);
  if (recorded > BigInt(file.length)) throw truncated(fileName, String(recorded), file.length);
  throw new ModelFileError(`${fileName} is corrupted: its preamble says ${recorded} bytes, it has ${file.length}`);
}

/**
 * A changed byte in the length field itself is damage, not a short file:
 * the checksum then matches the file as it would be with its true length.
 */
function onlyTheLengthChanged(file: Buffer): boolean {
  const trueLength = Buffer.alloc(8);
  trueLength.writeBigUInt64LE(BigInt(file.length));
  const end = file.length - CHECKSUM_BYTES;
  return sha256(file.subarray(0, 16), trueLength, file.subarray(PREAMBLE_BYTES, end)).equals(file.subarray(end));
}

function headerJson(file: Buffer, fileName: string): { json: unknown; dataStart: number } {
  const length = file.readUInt32LE(12);
  const dataStart = PREAMBLE_BYTES + length;
  if (dataStart % 4 !== 0 || dataStart > file.length - CHECKSUM_BYTES) {
    throw new ModelFileError(`${fileName} has a header length of ${length} bytes, which does not fit its ${file.length} bytes at a 4-byte boundary`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(PREAMBLE_BYTES, dataStart));
  } catch {
    throw new ModelFileError(`${fileName} has a header that is not valid UTF-8`);
  }
  try {
    return { json: JSON.parse(text), dataStart };
  } catch (error) {
    throw new ModelFileError(`${fileName} has a header that is not valid JSON (${(error as Error).message})`);
  }
}

/** The section table: known names, each once, laid end to end from the data's start to the checksum. */
function sectionTable(fileName: string, value: unknown, dataBytes: number): SectionEntry[] {
  const bad = (message: string) => new ModelFileError(`${fileName} has a bad header: ${message}`);
  if (!Array.isArray(value)) throw bad(`sections must be an array, received ${describe(value)}`);
  const entries: SectionEntry[] = [];
  let end = 0;
  for (let i = 0; i < value.length; i++) {
    let entry: SectionEntry;
    try {
      const s = expectObject(`sections[${i}]`, value[i]);
      entry = {
        name: expectOneOf(`sections[${i}].name`, s.name, SECTION_NAMES),
        count: expectNonNegativeInteger(`sections[${i}].count`, s.count),
        offset: expectNonNegativeInteger(`sections[${i}].offset`, s.offset),
      };
    } catch (error) {
      throw bad((error as Error).message);
    }
    if (entries.some((e) => e.name === entry.name)) throw bad(`sections has "${entry.name}" twice`);
    if (entry.offset !== end) throw bad(`sections[${i}].offset must be ${end} (right after the section before it), received ${entry.offset}`);
    end += entry.count * 4;
    entries.push(entry);
  }
  if (end !== dataBytes) throw bad(`its sections hold ${end} bytes, but the file has ${dataBytes} bytes between header and checksum`);
  return entries;
}

function sha256(...chunks: Uint8Array[]): Buffer {
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest();
}

function truncated(fileName: string, expected: string, actual: number): ModelFileError {
  return new ModelFileError(`${fileName} is truncated: expected ${expected} bytes, it has ${actual}`);
}

function corrupted(fileName: string): ModelFileError {
  return new ModelFileError(`${fileName} is corrupted: its checksum does not match (a changed byte)`);
}

/** Up to 8 bytes as quoted text when they are printable ASCII, else as hex. */
function showBytes(bytes: Buffer): string {
  const printable = bytes.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d);
  return printable ? JSON.stringify(bytes.toString('latin1')) : [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
