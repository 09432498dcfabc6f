/**
 * Float32 values as little-endian bytes and back, bit for bit (NaN
 * payloads included): the bytes are copied, never the values converted.
 */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The little-endian bytes of values: a view on a little-endian host, a swapped copy on a big-endian one. */
export function float32Bytes(values: Float32Array): Buffer {
  const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  return LITTLE_ENDIAN_HOST ? bytes : Buffer.from(bytes).swap32();
}

/**
 * count float32 values read from exactly count x 4 little-endian bytes,
 * into a new array (any byte alignment of the source). Other lengths are
 * refused: a short source is damage, not zeros.
 */
export function float32FromBytes(bytes: Uint8Array, count: number): Float32Array {
  if (bytes.length !== count * 4) {
    throw new RangeError(`expected ${count * 4} bytes (${count} float32 values), received ${bytes.length}`);
  }
  const values = new Float32Array(count);
  const target = Buffer.from(values.buffer);
  target.set(bytes);
  if (!LITTLE_ENDIAN_HOST) target.swap32();
  return values;
}

/**
 * The bytes of base64 text, or null when it is not canonical base64
 * (padded, without line breaks): Node skips what is not base64, so text
 * that does not come back the same held some.
 */
export function base64Bytes(text: string): Buffer | null {
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}
