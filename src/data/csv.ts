/**
 * CSV files as datasets, streamed through csv-parse: each record's cells go
 * straight into a Float32Array that doubles as it fills, so a file never
 * sits in memory as text or as rows of strings.
 */
import { describe, expectKnownKeys, expectObject, expectOneOf } from '../validate.js';
import { CsvError } from './csv-error.js';
import { csvRecords } from './csv-records.js';
import type { Dataset } from './dataset.js';
import { LabelEncoder } from './labels.js';

export { CsvError };

/** A column by its header name or its 0-based index. */
export type CsvColumn = string | number;

export interface CsvOptions {
  /** Whether the first row names the columns. 'auto' (default): it does when any of its feature cells is not a number. */
  header?: boolean | 'auto';
  /** The label column, or several target columns for regression. Default: the last column. */
  label?: CsvColumn | CsvColumn[];
  /** Default 'classification'. */
  task?: 'classification' | 'regression';
  /** Default ','. */
  delimiter?: string;
  /** Classification: the class names in index order (a trained model's), instead of the labels found in the file. */
  labelNames?: string[];
}

export interface CsvDataset extends Dataset {
  x: Float32Array;
  /** The header's names of the feature columns, when the file has a header. */
  featureNames?: string[];
}

const OPTION_KEYS = ['header', 'label', 'task', 'delimiter', 'labelNames'] as const;
const INITIAL_ROWS = 1024;
/** At most this many values before the first doubling, however wide the rows. */
const INITIAL_VALUES = 1 << 20;
/** How many header names a message lists before it elides the rest. */
const LISTED_NAMES = 20;

interface Settings {
  header: boolean | 'auto';
  label: CsvColumn[] | null;
  regression: boolean;
  delimiter: string;
  labelNames: string[] | undefined;
}

/**
 * Loads a CSV file as a dataset: classification (labels as integers or
 * strings) or regression (one or more numeric target columns).
 */
export async function loadCsv(path: string, options: CsvOptions = {}): Promise<CsvDataset> {
  const settings = checkOptions(options);
  const reader = new CsvReader(path, settings);
  const records = csvRecords(path, { delimiter: settings.delimiter, columnName: (j) => reader.columnName(j) });
  for await (const { record, line } of records) reader.add(record, line);
  return reader.finish();
}

function checkOptions(options: CsvOptions): Settings {
  const o = expectObject('options', options);
  expectKnownKeys('options', o, OPTION_KEYS);
  const header = o.header ?? 'auto';
  if (header !== true && header !== false && header !== 'auto') {
    throw new TypeError(`options.header must be true, false or "auto", received ${describe(o.header)}`);
  }
  const task = expectOneOf('options.task', o.task ?? 'classification', ['classification', 'regression']);
  const regression = task === 'regression';
  const delimiter = o.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter === '') {
    throw new TypeError(`options.delimiter must be a non-empty string, received ${describe(o.delimiter)}`);
  }
  const label = o.label === undefined ? null : Array.isArray(o.label) ? o.label : [o.label];
  if (label !== null) {
    const isColumn = (c: unknown) => (typeof c === 'string' && c !== '') || (Number.isInteger(c) && (c as number) >= 0);
    if (label.length === 0 || !label.every(isColumn)) {
      throw new TypeError(
        `options.label must be a column name, a 0-based column index or an array of them, received ${describe(o.label)}`,
      );
    }
    if (!regression && label.length > 1) {
      throw new TypeError(
        `options.label lists ${label.length} columns; classification takes one label column (several are targets of task: 'regression')`,
      );
    }
  }
  const labelNames = o.labelNames;
  if (labelNames !== undefined) {
    if (regression) throw new TypeError(`options.labelNames applies to task 'classification' only`);
    if (
      !Array.isArray(labelNames) ||
      labelNames.length < 2 ||
      !labelNames.every((name) => typeof name === 'string') ||
      new Set(labelNames).size !== labelNames.length
    ) {
      throw new TypeError(
        `options.labelNames must be an array of at least 2 distinct strings, received ${describe(labelNames)}`,
      );
    }
  }
  return {
    header,
    label: label as CsvColumn[] | null,
    regression,
    delimiter,
    labelNames: labelNames as string[] | undefined,
  };
}

/** Which columns are features and which labels, and their names when there is a header. */
interface Layout {
  columns: number;
  features: Int32Array;
  labels: Int32Array;
  names: string[] | null;
  /** The line whose column count every row must have. */
  firstLine: number;
}

/** Receives a file's records one at a time and fills the dataset's arrays. */
class CsvReader {
  private layout: Layout | null = null;
  private x: Float32Array = new Float32Array(0);
  private targets: Float32Array = new Float32Array(0);
  private readonly labels: LabelEncoder | null;
  private n = 0;
  private headerLine = 0;

  constructor(
    private readonly file: string,
    private readonly settings: Settings,
  ) {
    this.labels = settings.regression ? null : new LabelEncoder(settings.labelNames);
  }

  add(record: string[], line: number): void {
    if (this.layout === null) {
      this.layout = this.readLayout(record, line);
      const rows = Math.max(1, Math.min(INITIAL_ROWS, Math.floor(INITIAL_VALUES / record.length)));
      this.x = new Float32Array(rows * this.layout.features.length);
      if (this.settings.regression) this.targets = new Float32Array(rows * this.layout.labels.length);
      if (this.layout.names !== null) {
        this.headerLine = line;
        return;
      }
    }
    const layout = this.layout;
    if (record.length !== layout.columns) {
      throw new CsvError(
        `${this.file}, line ${line}: expected ${layout.columns} columns (as on line ${layout.firstLine}), received ${record.length}`,
        this.file,
        line,
      );
    }
    const features = layout.features.length;
    if ((this.n + 1) * features > this.x.length) this.x = doubled(this.x);
    let k = this.n * features;
    for (const j of layout.features) this.x[k++] = this.number(record[j], line, j);
    if (this.labels === null) {
      const targets = layout.labels.length;
      if ((this.n + 1) * targets > this.targets.length) this.targets = doubled(this.targets);
      k = this.n * targets;
      for (const j of layout.labels) this.targets[k++] = this.number(record[j], line, j);
    } else {
      this.addLabel(record[layout.labels[0]].trim(), line, layout.labels[0]);
    }
    this.n++;
  }

  finish(): CsvDataset {
    const { file, layout, n } = this;
    if (layout === null) throw new CsvError(`${file}: the file is empty: expected rows of numbers, received none`, file);
    if (n === 0) {
      throw new CsvError(`${file}: the file has a header (line ${this.headerLine}) but no data rows`, file, this.headerLine);
    }
    const features = layout.features.length;
    const data = { x: trimmed(this.x, n * features), n, features };
    const names = layout.names;
    const featureNames = names === null ? {} : { featureNames: Array.from(layout.features, (j) => names[j]) };
    if (this.labels === null) return { ...data, ...featureNames, y: trimmed(this.targets, n * layout.labels.length) };
    const labelColumn = layout.labels[0];
    const where = `${file}, ${this.columnName(labelColumn)}`;
    let encoded;
    try {
      encoded = this.labels.finish();
    } catch (error) {
      throw new CsvError(`${where}: ${(error as Error).message}`, file, undefined, labelColumn);
    }
    if (encoded.classes < 2) {
      throw new CsvError(
        `${where}: every row has the label ${JSON.stringify(encoded.labelNames[0])}; classification needs at least 2 classes`,
        file,
        undefined,
        labelColumn,
      );
    }
    return { ...data, ...featureNames, y: encoded.y, classes: encoded.classes, labelNames: encoded.labelNames };
  }

  private addLabel(label: string, line: number, column: number): void {
    if (label === '') this.fail(line, column, 'expected a class label, received an empty cell');
    if (!this.labels!.add(label)) {
      const known = listNames(this.settings.labelNames!);
      this.fail(line, column, `label ${JSON.stringify(label)} is not one of options.labelNames (${known})`);
    }
  }

  private number(cell: string, line: number, column: number): number {
    return cellNumber(this.file, line, column, cell, this.layout?.names ?? null);
  }

  private fail(line: number, column: number, problem: string): never {
    throw new CsvError(`${this.file}, line ${line}, ${columnName(this.layout?.names ?? null, column)}: ${problem}`, this.file, line, column);
  }

  /** How messages name column j: by its header name once the header is known. */
  columnName(j: number): string {
    return columnName(this.layout?.names ?? null, j);
  }

  private readLayout(first: string[], line: number): Layout {
    const { settings, file } = this;
    const columns = first.length;
    const byName = settings.label?.find((c): c is string => typeof c === 'string');
    if (byName !== undefined && settings.header === false) {
      throw new CsvError(
        `${file}: options.label ${JSON.stringify(byName)} is a column name, but options.header is false; pass a 0-based column index`,
        file,
      );
    }
    const names = first.map((cell) => cell.trim());
    let header = settings.header === true || byName !== undefined;
    // Before the header is decided, a message still lists a first row that reads like one.
    const listed = header || (settings.header === 'auto' && !names.every(looksNumeric)) ? names : null;
    let labels = this.labelColumns(columns, header ? names : null, listed, line);
    if (settings.header === 'auto' && !header) {
      const checked = names.filter((_, j) => settings.regression || !labels.includes(j));
      header = !checked.every(looksNumeric);
    }
    const features = Int32Array.from({ length: columns }, (_, j) => j).filter((j) => !labels.includes(j));
    if (features.length === 0) {
      throw new CsvError(
        `${file}: no feature columns: the file has ${columns} column${columns === 1 ? '' : 's'} and options.label takes ${labels.length}`,
        file,
      );
    }
    return { columns, features, labels: Int32Array.from(labels), names: header ? names : null, firstLine: line };
  }

  /** options.label as column indices (default: the last column). */
  private labelColumns(columns: number, names: string[] | null, listed: string[] | null, line: number): number[] {
    const { file } = this;
    const headerList = listed ? `; the header (line ${line}) has ${listNames(listed)}` : '';
    const indices = (this.settings.label ?? [columns - 1]).map((column) => {
      if (typeof column === 'number') {
        if (column >= columns) {
          throw new CsvError(
            `${file}: options.label ${column} is out of range: the file has ${columns} columns (indices 0-${columns - 1})${headerList}`,
            file,
          );
        }
        return column;
      }
      const index = names!.indexOf(column.trim());
      if (index < 0) {
        throw new CsvError(`${file}: options.label ${JSON.stringify(column)} is not a column${headerList}`, file, line);
      }
      return index;
    });
    const repeated = indices.find((j, i) => indices.indexOf(j) !== i);
    if (repeated !== undefined) {
      const name = names ? `column ${JSON.stringify(names[repeated])} (index ${repeated})` : `column index ${repeated}`;
      throw new CsvError(`${file}: options.label lists ${name} twice`, file);
    }
    return indices;
  }
}

/**
 * A CSV number: decimal digits with an optional sign, point and exponent,
 * spaces or tabs around them. Number() takes more (0x10, 0b11, 0o17,
 * Infinity, any Unicode space around), which in a data file is a mistake
 * to name, not a value to guess.
 */
const DECIMAL = /^[ \t]*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[ \t]*$/;
const BLANK = /^[ \t]*$/;

/**
 * A cell as a finite float32 number, or a CsvError naming the file, line
 * and column: an empty cell is missing (not zero), and a value beyond
 * float32's range is refused rather than turned into Infinity.
 */
export function cellNumber(file: string, line: number, column: number, cell: string, names: readonly string[] | null): number {
  let problem: string;
  if (DECIMAL.test(cell)) {
    const value = Number(cell);
    if (Number.isFinite(Math.fround(value))) return value;
    problem = `${cell.trim()} is out of float32 range (at most 3.4e38 in magnitude)`;
  } else {
    problem = `expected a finite decimal number, received ${BLANK.test(cell) ? 'an empty cell' : JSON.stringify(cell)}`;
  }
  throw new CsvError(`${file}, line ${line}, ${columnName(names, column)}: ${problem}`, file, line, column);
}

/** How messages name column j: by its header name when there is one. */
export function columnName(names: readonly string[] | null, j: number): string {
  return names ? `column ${JSON.stringify(names[j])} (index ${j})` : `column index ${j}`;
}

/** Numbers, and the spellings of not-a-number and infinity: a data row, not a header, even when it is a bad one. */
export function looksNumeric(cell: string): boolean {
  return cell === '' || !Number.isNaN(Number(cell)) || /^[+-]?(nan|inf(inity)?)$/i.test(cell);
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, LISTED_NAMES).map((name) => JSON.stringify(name));
  if (names.length > LISTED_NAMES) shown.push(`... (${names.length} in all)`);
  return shown.join(', ');
}

function doubled(values: Float32Array): Float32Array {
  const grown = new Float32Array(Math.max(1, values.length * 2));
  grown.set(values);
  return grown;
}

/** The first `length` values, copied only when the buffer has room to spare. */
function trimmed(values: Float32Array, length: number): Float32Array {
  return values.length === length ? values : values.slice(0, length);
}
