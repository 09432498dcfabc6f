/**
 * A CSV file's records, streamed: the file's bytes (gunzipped when they
 * start with the gzip magic 1f 8b), checked as UTF-8 text, parsed by
 * csv-parse within descent's limits on one record. Every failure is a
 * CsvError naming the file and the line, and the column where there is one.
 */
import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { CsvError as ParseError, parse, type Info, type Options } from 'csv-parse';
import { CsvError } from './csv-error.js';
import { gunzipped } from './gunzip.js';
import { checkedText } from './text-check.js';

export interface CsvLimits {
  /** Bytes of cell text in one record (csv-parse's max_record_size; delimiters and quotes not counted). */
  recordBytes: number;
  /** Cells in one record. */
  columns: number;
}

/**
 * descent's limits on one record. A million columns is more than any
 * network descent trains takes as input rows of text; 16 MiB of text
 * holds a million float32 values written out in full (at most 15
 * characters each: -1.23456789e-12), and bounds the parser's memory on a
 * line that never ends (a 560 MB cell, /dev/zero) to tens of MB.
 */
export const CSV_LIMITS: Readonly<CsvLimits> = Object.freeze({ recordBytes: 16 * 2 ** 20, columns: 1_000_000 });

export interface CsvSource {
  delimiter: string;
  /** Default CSV_LIMITS. */
  limits?: CsvLimits;
  /** How a message names column j (by the reader's header). Default "column index j". */
  columnName?: (j: number) => string;
  /** The file's bytes from this stream instead of from the path (the tests' long records). */
  input?: Readable;
}

export interface CsvRecord {
  record: string[];
  /** The 1-based line the record starts on. */
  line: number;
}

/** Parsed records waiting for the reader before the parser is given more of the file. */
const QUEUED_RECORDS = 1024;

interface Parsed {
  record: string[];
  info: Info;
}

export async function* csvRecords(path: string, source: CsvSource): AsyncGenerator<CsvRecord> {
  const limits = source.limits ?? CSV_LIMITS;
  // Records are taken as the parser makes them (on_record) rather than read
  // from its stream: a stream destroyed by an error drops the records it
  // still holds, and the reader would hear of line 900's stray quote before
  // it had seen line 3, or the header that names the columns.
  let queue: Parsed[] = [];
  let next = 0;
  let finished = false;
  let failure: unknown = null;
  // Set by the promises below, called back from the parser's and the pipeline's callbacks.
  const waiting: { reader: (() => void) | null; file: (() => void) | null } = { reader: null, file: null };
  const signal = () => {
    waiting.reader?.();
    waiting.reader = null;
  };
  const release = () => {
    waiting.file?.();
    waiting.file = null;
  };
  const parser = parse({
    delimiter: source.delimiter,
    bom: true,
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    // Named rather than discovered: until it has found one, csv-parse looks
    // for a line end at every byte, which makes a long first line 16 times slower.
    record_delimiter: ['\r\n', '\n', '\r'],
    max_record_size: limits.recordBytes,
    // Past the column limit the delimiters are text of one last cell, which
    // max_record_size bounds: a line of a hundred million empty cells never
    // becomes an array of them.
    ignore_last_delimiters: limits.columns + 1,
    on_record: (parsed: unknown) => {
      queue.push(parsed as Parsed);
      signal();
      return null;
    },
  } as Options);
  /** A pipeline stage that holds the file back while the reader has enough records to get on with. */
  async function* paced(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      if (queue.length - next >= QUEUED_RECORDS && !finished) await new Promise<void>((resolve) => (waiting.file = resolve));
      yield chunk;
    }
  }
  pipeline(source.input ?? createReadStream(path), (chunks: AsyncIterable<Uint8Array>) => gunzipped(chunks), checkedText(path), paced, parser, (error) => {
    finished = true;
    failure = error ?? null;
    signal();
  });
  parser.resume();
  let lastLine = 0;
  let lastEmptyLines = 0;
  try {
    for (;;) {
      if (next === queue.length) {
        if (finished) break;
        queue = [];
        next = 0;
        release();
        await new Promise<void>((resolve) => (waiting.reader = resolve));
        continue;
      }
      const { record, info } = queue[next++];
      // info.lines is the line a record ends on; one with a quoted line
      // break starts earlier, right after the previous record and the
      // blank lines skipped since.
      const line = lastLine + 1 + (info.empty_lines - lastEmptyLines);
      lastLine = info.lines;
      lastEmptyLines = info.empty_lines;
      if (record.length > limits.columns) throw tooWide(path, line, limits);
      yield { record, line };
    }
    if (failure !== null) {
      const emptyLines = (failure as { empty_lines?: unknown }).empty_lines;
      const startLine = typeof emptyLines === 'number' ? lastLine + 1 + (emptyLines - lastEmptyLines) : undefined;
      throw asCsvError(path, failure, { limits, delimiter: source.delimiter, columnName: source.columnName, startLine });
    }
  } finally {
    finished = true;
    release();
    parser.destroy();
  }
}

interface Context {
  limits: CsvLimits;
  delimiter?: string;
  columnName?: (j: number) => string;
  /** Where the record being parsed began, when the parser failed. */
  startLine?: number;
}

/** A parser's, gunzip's or the file system's error as a CsvError naming the file (others pass through). */
export function asCsvError(path: string, error: unknown, context: Context = { limits: CSV_LIMITS }): unknown {
  if (error instanceof CsvError) return error;
  const { code, message } = error as { code?: unknown; message?: string };
  if (code === 'ENOENT') return new CsvError(`file not found: ${path}`, path);
  if (code === 'EISDIR') return new CsvError(`${path} is a directory, expected a CSV file`, path);
  if (typeof code === 'string' && code.startsWith('Z_')) return new CsvError(`${path}: the gzip data is damaged or truncated (${message})`, path);
  if (error instanceof ParseError) return parseError(path, error, context);
  return error;
}

/** csv-parse's codes in descent's words: its messages name neither the file nor, past the first, the column. */
function parseError(path: string, error: ParseError, { limits, delimiter, columnName, startLine }: Context): CsvError {
  const { column, lines } = error as ParseError & { column?: unknown; lines?: unknown };
  const line = typeof lines === 'number' ? lines : undefined;
  const j = typeof column === 'number' ? column : undefined;
  // The limits concern a record: name the line it starts on (a quoted cell may have taken it further).
  if (j !== undefined && j >= limits.columns) return tooWide(path, startLine ?? line, limits);
  const quoted = (pattern: RegExp): string | undefined => {
    const found = pattern.exec(error.message)?.[1];
    try {
      return found === undefined ? undefined : (JSON.parse(found) as string);
    } catch {
      return undefined;
    }
  };
  let at = line;
  let problem: string;
  let inColumn = true;
  switch (error.code) {
    case 'CSV_MAX_RECORD_SIZE':
      problem = `more than ${bytes(limits.recordBytes)} of cell text in one record, descent's limit for a CSV record`;
      at = startLine ?? line;
      inColumn = false;
      break;
    case 'INVALID_OPENING_QUOTE': {
      const before = quoted(/value is (".*")$/);
      const after = before === undefined ? '' : `, after ${JSON.stringify(before)}`;
      problem = `a quote inside an unquoted cell${after}; quote the whole cell and double the quotes in it (as "a ""b"" c")`;
      break;
    }
    case 'CSV_QUOTE_NOT_CLOSED':
      problem = 'a quoted cell that never closes: the file ends inside it';
      at = startLine ?? line;
      break;
    case 'CSV_INVALID_CLOSING_QUOTE': {
      const found = quoted(/got (".*?") at line/);
      const what = found === undefined ? 'text' : JSON.stringify(found);
      const expected = delimiter === undefined ? 'the delimiter' : `the delimiter ${JSON.stringify(delimiter)}`;
      problem = `${what} after the closing quote of a quoted cell; expected ${expected} or the end of the line`;
      break;
    }
    default:
      problem = error.message.replace(/ at line \d+/, '');
  }
  const where = [path];
  if (at !== undefined) where.push(`line ${at}`);
  if (inColumn && j !== undefined) where.push(columnName ? columnName(j) : `column index ${j}`);
  return new CsvError(`${where.join(', ')}: ${problem}`, path, at, inColumn ? j : undefined);
}

function tooWide(path: string, line: number | undefined, limits: CsvLimits): CsvError {
  const where = line === undefined ? path : `${path}, line ${line}`;
  return new CsvError(`${where}: more than ${limits.columns.toLocaleString('en-US')} columns, descent's limit for a CSV record`, path, line);
}

function bytes(count: number): string {
  const mib = count % 2 ** 20 === 0 ? ` (${count / 2 ** 20} MiB)` : '';
  return `${count.toLocaleString('en-US')} bytes${mib}`;
}
