/**
 * A CSV file's bytes checked as UTF-8 text on their way to the parser.
 * Decoding would turn invalid UTF-8 into U+FFFD without a word (a
 * Windows-1252 "café" and "cafè" both become "caf\uFFFD", one class), and
 * a NUL byte is binary data (/dev/zero, an image), not text: each is a
 * CsvError naming the line. The bytes pass through unchanged; only the
 * start of a character cut by a chunk's end (at most 3 bytes) waits for
 * the next chunk to be checked.
 */
import { isUtf8 } from 'node:buffer';
import { CsvError } from './csv-error.js';

const NEWLINE = 0x0a;
/** How much of a line a message quotes before the bad byte. */
const QUOTED_CHARACTERS = 24;

/**
 * A pipeline stage: the chunks of `file` as they come, once each is
 * checked. Before an error it passes on the lines before the bad one, so
 * that the parser's records reach the reader in order and an earlier bad
 * line is the one named.
 */
export function checkedText(file: string): (source: AsyncIterable<Uint8Array>) => AsyncGenerator<Uint8Array> {
  return async function* (source) {
    const check = new Utf8Check(file);
    for await (const chunk of source) {
      const problem = check.add(chunk);
      if (problem !== null) {
        if (problem.keep > 0) yield chunk.subarray(0, problem.keep);
        throw problem.error;
      }
      yield chunk;
    }
    check.end();
  };
}

interface Problem {
  error: CsvError;
  /** The bytes of the chunk before the bad line. */
  keep: number;
}

class Utf8Check {
  /** Newlines before the bytes in `pending`. */
  private lines = 0;
  /** The start of a character that the previous chunk's end cut (passed on already, checked with the next chunk). */
  private pending = Buffer.alloc(0);
  private first = true;

  constructor(private readonly file: string) {}

  add(chunk: Uint8Array): Problem | null {
    if (chunk.length === 0) return null;
    const held = this.pending.length;
    const data = held === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length) : Buffer.concat([this.pending, chunk]);
    if (this.first) {
      this.first = false;
      const utf16 = this.utf16(data);
      if (utf16 !== null) return { error: utf16, keep: 0 };
    }
    const whole = data.subarray(0, completeLength(data));
    const nul = whole.indexOf(0);
    const invalid = isUtf8(whole) ? -1 : firstInvalid(whole);
    const bad = invalid >= 0 && (nul < 0 || invalid < nul) ? invalid : nul;
    if (bad >= 0) {
      const error =
        bad === invalid
          ? this.invalid(whole, invalid)
          : this.error(this.lineAt(whole, nul), 'a NUL byte (0x00): a CSV file holds text; this looks like binary data');
      return { error, keep: Math.max(0, whole.lastIndexOf(NEWLINE, bad) + 1 - held) };
    }
    this.lines += newlines(whole, whole.length);
    this.pending = Buffer.from(data.subarray(whole.length));
    return null;
  }

  /** At the end of the file: a character begun and not finished is invalid too. */
  end(): void {
    if (this.pending.length === 0) return;
    const bytes = Array.from(this.pending, (b) => `0x${b.toString(16)}`).join(' ');
    throw this.error(this.lines + 1, `not UTF-8: the file ends inside a character (${bytes} begin one); descent reads CSV files as UTF-8`);
  }

  private utf16(data: Buffer): CsvError | null {
    const bom = data.subarray(0, 2);
    if (!(bom[0] === 0xff && bom[1] === 0xfe) && !(bom[0] === 0xfe && bom[1] === 0xff)) return null;
    const mark = Array.from(bom, (b) => b.toString(16)).join(' ');
    return new CsvError(
      `${this.file}: the file is UTF-16 (it starts with the byte-order mark ${mark}); descent reads CSV files as UTF-8: convert it (e.g. iconv -f UTF-16 -t UTF-8)`,
      this.file,
    );
  }

  private invalid(whole: Buffer, offset: number): CsvError {
    const start = whole.lastIndexOf(NEWLINE, offset) + 1;
    const before = new TextDecoder('utf-8', { ignoreBOM: true }).decode(whole.subarray(start, offset));
    const quoted = before.length > QUOTED_CHARACTERS ? `...${before.slice(-QUOTED_CHARACTERS)}` : before;
    const where = before === '' ? 'at the start of the line' : `after ${JSON.stringify(quoted)}`;
    return this.error(
      this.lineAt(whole, offset),
      `not UTF-8: the byte 0x${whole[offset].toString(16)} ${where} is not a UTF-8 character; descent reads CSV files as UTF-8: convert it (e.g. iconv -f WINDOWS-1252 -t UTF-8)`,
    );
  }

  private lineAt(whole: Buffer, offset: number): number {
    return this.lines + newlines(whole, offset) + 1;
  }

  private error(line: number, problem: string): CsvError {
    return new CsvError(`${this.file}, line ${line}: ${problem}`, this.file, line);
  }
}

/** The length of data without a last character that its end cuts short. */
function completeLength(data: Buffer): number {
  const n = data.length;
  for (let i = n - 1; i >= Math.max(0, n - 3); i--) {
    const byte = data[i];
    if (byte < 0x80) return n;
    if (byte >= 0xc0) {
      const size = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return i + size > n ? i : n;
    }
  }
  return n;
}

/** The offset of the first byte that does not decode, in data that isUtf8 refused. */
function firstInvalid(data: Buffer): number {
  // A newline is never part of a multi-byte character: find the first bad line, then the byte in it.
  let start = 0;
  for (;;) {
    const next = data.indexOf(NEWLINE, start);
    const end = next < 0 ? data.length : next;
    const line = data.subarray(start, end);
    if (!isUtf8(line)) return start + invalidIn(line);
    if (next < 0) return -1;
    start = next + 1;
  }
}

/** The first replacement character a lenient decoder makes that the bytes did not spell (EF BF BD). */
function invalidIn(line: Buffer): number {
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(line);
  for (let from = 0; ; ) {
    const i = text.indexOf('\uFFFD', from);
    if (i < 0) return 0;
    const offset = Buffer.byteLength(text.slice(0, i));
    if (!(line[offset] === 0xef && line[offset + 1] === 0xbf && line[offset + 2] === 0xbd)) return offset;
    from = i + 1;
  }
}

/** Newlines in data before `end`. */
function newlines(data: Buffer, end: number): number {
  let count = 0;
  for (let i = data.indexOf(NEWLINE); i >= 0 && i < end; i = data.indexOf(NEWLINE, i + 1)) count++;
  return count;
}
