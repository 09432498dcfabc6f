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

/** count float32 values read from little-endian bytes, into a new array (any byte alignment of the source). */
export function float32FromBytes(bytes: Uint8Array, count: number): Float32Array {
  const values = new Float32Array(count);
  const target = Buffer.from(values.buffer);
  target.set(bytes.subarray(0, count * 4));
  if (!LITTLE_ENDIAN_HOST) target.swap32();
  return values;
}
