/**
 * A CSV file's rows of numbers, streamed a chunk at a time (predict's
 * input): csv-parse reads the file as a stream and each chunk of rows goes
 * into one Float32Array, so a file of any length is read in bounded memory
 * (a chunk, and the parser's buffers). The header is told apart as loadCsv
 * does it; label columns in the file can be named to be skipped.
 */
import { cellNumber, columnName, CsvError, looksNumeric, type CsvColumn } from './csv.js';
import { csvRecords, type CsvLimits } from './csv-records.js';

export interface CsvRowsOptions {
  /** Feature values every row must hold (after the label columns are skipped). */
  features: number;
  /** What `features` counts, for messages, as in "the inputs of model.bin". */
  featuresOf?: string;
  /** Label columns in the file, to skip: header names or 0-based indices. Default: none. */
  label?: CsvColumn[];
  /** Whether the first row names the columns. 'auto' (default): it does when one of its feature cells is not a number. */
  header?: boolean | 'auto';
  /** Default ','. */
  delimiter?: string;
  /** Rows per chunk. Default 4096, fewer for rows wider than CSV_CHUNK_VALUES / 4096. */
  chunkRows?: number;
  /** Default CSV_LIMITS (csv-records.ts). */
  limits?: CsvLimits;
}

export interface CsvRowChunk {
  /** count x features values, row-major. */
  x: Float32Array;
  count: number;
  /** The 1-based line of the chunk's first row. */
  firstLine: number;
}

/** A row whose feature count is not the one asked for. */
export class CsvFeatureCountError extends CsvError {
  constructor(
    message: string,
    file: string,
    line: number,
    readonly expected: number,
    readonly received: number,
  ) {
    super(message, file, line);
  }
}

export const CSV_CHUNK_ROWS = 4096;
/** The most values a chunk holds: 4096 rows of up to 1024 features, fewer rows when they are wider. */
export const CSV_CHUNK_VALUES = 1 << 22;

/** Yields the file's rows chunk by chunk; a bad row is a CsvError naming the file, line and column. */
export async function* readCsvRows(path: string, options: CsvRowsOptions): AsyncGenerator<CsvRowChunk> {
  const { features } = options;
  const chunkRows = options.chunkRows ?? Math.max(1, Math.min(CSV_CHUNK_ROWS, Math.floor(CSV_CHUNK_VALUES / features)));
  const rows = new RowReader(path, options);
  const records = csvRecords(path, { delimiter: options.delimiter ?? ',', limits: options.limits, columnName: (j) => rows.columnName(j) });
  let chunk = new Float32Array(chunkRows * features);
  let count = 0;
  let firstLine = 0;
  for await (const { record, line } of records) {
    if (!rows.read(record, line, chunk, count * features)) continue;
    if (count === 0) firstLine = line;
    if (++count === chunkRows) {
      yield { x: chunk, count, firstLine };
      chunk = new Float32Array(chunkRows * features);
      count = 0;
    }
  }
  rows.finish();
  if (count > 0) yield { x: chunk.subarray(0, count * features), count, firstLine };
}

/** Which columns are skipped, whether there is a header, and each row's numbers into a chunk. */
class RowReader {
  private skipped: Set<number> | null = null;
  private names: string[] | null = null;
  private columns = 0;
  private firstLine = 0;
  private headerLine = 0;
  private rows = 0;

  constructor(
    private readonly file: string,
    private readonly options: CsvRowsOptions,
  ) {}

  /** Reads a record into out at offset; false for the header. */
  read(record: string[], line: number, out: Float32Array, offset: number): boolean {
    if (this.skipped === null) {
      this.columns = record.length;
      this.firstLine = line;
      if (this.startsWithHeader(record, line)) {
        this.checkCount(record, line, ' (the header)');
        this.headerLine = line;
        return false;
      }
    }
    this.checkCount(record, line, '');
    if (record.length !== this.columns) {
      throw new CsvError(`${this.file}, line ${line}: expected ${this.columns} columns (as on line ${this.firstLine}), received ${record.length}`, this.file, line);
    }
    let k = offset;
    for (let j = 0; j < record.length; j++) {
      if (this.skipped!.has(j)) continue;
      out[k++] = cellNumber(this.file, line, j, record[j], this.names);
    }
    this.rows++;
    return true;
  }

  /** How messages name column j: by its header name once the header is known. */
  columnName(j: number): string {
    return columnName(this.names, j);
  }

  /** After the last record: a file without rows is an error. */
  finish(): void {
    if (this.skipped === null) throw new CsvError(`${this.file}: the file is empty: expected rows of numbers, received none`, this.file);
    if (this.rows === 0) {
      throw new CsvError(`${this.file}: the file has a header (line ${this.headerLine}) but no data rows`, this.file, this.headerLine);
    }
  }

  /** Decides the header and the skipped columns from the first record. */
  private startsWithHeader(first: string[], line: number): boolean {
    const label = this.options.label ?? [];
    const header = this.options.header ?? 'auto';
    const byName = label.find((c): c is string => typeof c === 'string');
    if (byName !== undefined && header === false) {
      throw new CsvError(`${this.file}: options.label ${JSON.stringify(byName)} is a column name, but the file has no header; pass a 0-based column index`, this.file);
    }
    const names = first.map((cell) => cell.trim());
    const indices = label.map((column) => {
      if (typeof column === 'number') {
        if (column >= first.length) {
          throw new CsvError(`${this.file}: options.label ${column} is out of range: line ${line} has ${first.length} columns (indices 0-${first.length - 1})`, this.file, line);
        }
        return column;
      }
      const index = names.indexOf(column.trim());
      if (index < 0) {
        throw new CsvError(`${this.file}: options.label ${JSON.stringify(column)} is not a column; the header (line ${line}) has ${names.map((n) => JSON.stringify(n)).join(', ')}`, this.file, line);
      }
      return index;
    });
    this.skipped = new Set(indices);
    const isHeader = header === true || byName !== undefined || (header === 'auto' && names.some((cell, j) => !this.skipped!.has(j) && !looksNumeric(cell)));
    if (isHeader) this.names = names;
    return isHeader;
  }

  private checkCount(record: string[], line: number, what: string): void {
    let received = 0;
    for (let j = 0; j < record.length; j++) if (!this.skipped!.has(j)) received++;
    const { features, featuresOf } = this.options;
    if (received === features) return;
    const skipped = record.length - received;
    const detail = skipped === 0 ? '' : ` (${record.length} columns, ${skipped} of them label columns)`;
    throw new CsvFeatureCountError(
      `${this.file}, line ${line}${what}: expected ${features} features${featuresOf ? ` (${featuresOf})` : ''}, received ${received}${detail}`,
      this.file,
      line,
      features,
      received,
    );
  }
}
