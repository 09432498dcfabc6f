/**
 * A file's chunks as they come, or inflated as they come when the file
 * starts with the gzip magic 1f 8b: a reader that stops early stops the
 * inflating too, so a small file that inflates to gigabytes costs what
 * the reader takes of it.
 */
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export interface Compression {
  /** Set once the first two bytes are in: whether the file is gzipped. */
  gzip?: boolean;
}

export async function* gunzipped(source: AsyncIterable<Uint8Array>, found: Compression = {}): AsyncGenerator<Uint8Array> {
  const chunks = source[Symbol.asyncIterator]();
  try {
    let head: Uint8Array = new Uint8Array(0);
    while (head.length < 2) {
      const next = await chunks.next();
      if (next.done) {
        found.gzip = false;
        if (head.length > 0) yield head;
        return;
      }
      head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
    }
    async function* all(): AsyncGenerator<Uint8Array> {
      yield head;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
    }
    found.gzip = head[0] === 0x1f && head[1] === 0x8b;
    if (!found.gzip) {
      yield* all();
      return;
    }
    yield* pipeline(Readable.from(all()), createGunzip(), () => {}) as AsyncIterable<Uint8Array>;
  } finally {
    // A reader that stops early closes the file.
    await chunks.return?.();
  }
}
