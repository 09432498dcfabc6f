import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvError, loadCsv, type CsvOptions } from '../src/data/csv.js';
import { CSV_LIMITS, csvRecords } from '../src/data/csv-records.js';
import { readCsvRows } from '../src/data/csv-rows.js';
import { MAX_INTEGER_CLASSES } from '../src/data/labels.js';
import { trainTestSplit } from '../src/data/split.js';
import { resolveData } from '../src/cli/datasets.js';

const dir = mkdtempSync(join(tmpdir(), 'descent-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let files = 0;
/** Writes a CSV file into the temp dir and returns its path. */
function csv(content: string | Buffer, name = `data-${files++}.csv`): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function failure(path: string, options?: CsvOptions): Promise<CsvError> {
  const error = await loadCsv(path, options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CsvError);
  return error as CsvError;
}

describe('loadCsv: classification', () => {
  it('reads a header, takes the last column as the label and names classes in order of first appearance', async () => {
    const path = csv('sepal,petal,species\n5.1,1.4,setosa\n7.0,4.7,versicolor\n6.3,6.0,virginica\n4.9,1.4,setosa\n');
    const data = await loadCsv(path);
    expect(data.n).toBe(4);
    expect(data.features).toBe(2);
    expect(data.x).toBeInstanceOf(Float32Array);
    expect(Array.from(data.x)).toEqual(Array.from(new Float32Array([5.1, 1.4, 7.0, 4.7, 6.3, 6.0, 4.9, 1.4])));
    expect(data.featureNames).toEqual(['sepal', 'petal']);
    expect(data.classes).toBe(3);
    expect(data.labelNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(Array.from(data.y)).toEqual([0, 1, 2, 0]);
  });

  it('uses non-negative integer labels as class indices: classes is the largest + 1, names their decimal text', async () => {
    const data = await loadCsv(csv('0.5,1,3\n0.25,2,0\n1,3,3\n'));
    expect(data.featureNames).toBeUndefined();
    expect(data.n).toBe(3);
    expect(data.classes).toBe(4);
    expect(data.labelNames).toEqual(['0', '1', '2', '3']);
    expect(Array.from(data.y)).toEqual([3, 0, 3]);
  });

  it('has at least 2 classes for integer labels, and maps negative or mixed labels by first appearance', async () => {
    expect((await loadCsv(csv('1,0\n2,0\n'))).classes).toBe(2);
    const mixed = await loadCsv(csv('1,-1\n2,1\n3,-1\n'));
    expect(mixed.labelNames).toEqual(['-1', '1']);
    expect(Array.from(mixed.y)).toEqual([0, 1, 0]);
  });

  it('takes the label column by name or by index, anywhere in the row', async () => {
    const path = csv('id,kind,width\n1,a,0.5\n2,b,0.7\n');
    for (const label of ['kind', 1]) {
      const data = await loadCsv(path, { label });
      expect(data.featureNames).toEqual(['id', 'width']);
      expect(Array.from(data.x)).toEqual(Array.from(new Float32Array([1, 0.5, 2, 0.7])));
      expect(data.labelNames).toEqual(['a', 'b']);
    }
    expect((await loadCsv(path, { label: ['kind'] })).labelNames).toEqual(['a', 'b']);
  });

  it('header: false reads a non-numeric first row as data (and fails on it); header: true takes a numeric one as names', async () => {
    const path = csv('1,2,0\n3,4,1\n');
    expect((await loadCsv(path, { header: true })).featureNames).toEqual(['1', '2']);
    expect((await loadCsv(path, { header: true })).n).toBe(1);
    expect((await loadCsv(path, { header: false })).n).toBe(2);
    const named = csv('a,b,y\n3,4,1\n');
    expect((await failure(named, { header: false })).message).toBe(
      `${named}, line 1, column index 0: expected a finite decimal number, received "a"`,
    );
  });

  it('auto-detects the header from the feature cells only: string labels do not make a header', async () => {
    const data = await loadCsv(csv('1,2,cat\n3,4,dog\n'));
    expect(data.n).toBe(2);
    expect(data.labelNames).toEqual(['cat', 'dog']);
  });

  it('labelNames fixes the mapping, and a label outside it names the file, line, column and label', async () => {
    const path = csv('x,animal\n1,dog\n2,cat\n3,bird\n');
    const error = await failure(path, { labelNames: ['cat', 'dog'] });
    expect(error.message).toBe(
      `${path}, line 4, column "animal" (index 1): label "bird" is not one of options.labelNames ("cat", "dog")`,
    );
    expect([error.file, error.line, error.column]).toEqual([path, 4, 1]);
    const known = await loadCsv(csv('x,animal\n1,dog\n2,cat\n'), { labelNames: ['cat', 'dog', 'bird'] });
    expect(known.classes).toBe(3);
    expect(known.labelNames).toEqual(['cat', 'dog', 'bird']);
    expect(Array.from(known.y)).toEqual([1, 0]);
  });

  it('keeps labelNames through a train/test split', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => `${i},${i % 2 ? 'odd' : 'even'}`);
    const { train, test } = trainTestSplit(await loadCsv(csv(`n,parity\n${rows.join('\n')}\n`)), { testFraction: 0.2 });
    expect(train.labelNames).toEqual(['even', 'odd']);
    expect(test.labelNames).toEqual(['even', 'odd']);
  });
});

describe('loadCsv: regression', () => {
  it('reads one or several numeric target columns into a Float32Array, without classes', async () => {
    const path = csv('a,b,t1,t2\n1,2,0.5,10\n3,4,1.5,20\n');
    const one = await loadCsv(path, { task: 'regression' });
    expect(one.classes).toBeUndefined();
    expect(one.labelNames).toBeUndefined();
    expect(one.features).toBe(3);
    expect(one.y).toBeInstanceOf(Float32Array);
    expect(Array.from(one.y)).toEqual([10, 20]);
    const two = await loadCsv(path, { task: 'regression', label: ['t2', 2] });
    expect(two.featureNames).toEqual(['a', 'b']);
    expect(Array.from(two.y)).toEqual([10, 0.5, 20, 1.5]);
  });

  it('names a non-numeric target like a feature', async () => {
    const path = csv('a,t\n1,2\n3,high\n');
    expect((await failure(path, { task: 'regression' })).message).toBe(
      `${path}, line 3, column "t" (index 1): expected a finite decimal number, received "high"`,
    );
  });
});

describe('loadCsv: file forms', () => {
  it('accepts a UTF-8 BOM, CRLF line ends, blank lines and quoted cells', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const path = csv(Buffer.concat([bom, Buffer.from('a,b,label\r\n1,"2",x\r\n\r\n3,4,y\r\n')]));
    const data = await loadCsv(path);
    expect(data.featureNames).toEqual(['a', 'b']);
    expect(Array.from(data.x)).toEqual([1, 2, 3, 4]);
    expect(data.labelNames).toEqual(['x', 'y']);
    const bad = csv(Buffer.concat([bom, Buffer.from('a,b,label\r\n1,2,x\r\n\r\n3,oops,y\r\n')]));
    expect((await failure(bad)).message).toBe(`${bad}, line 4, column "b" (index 1): expected a finite decimal number, received "oops"`);
  });

  it('counts lines from where a record starts, past quoted line breaks', async () => {
    const path = csv('a,note\n1,"two\nlines"\nbad,x\n');
    expect((await failure(path)).message).toBe(`${path}, line 4, column "a" (index 0): expected a finite decimal number, received "bad"`);
  });

  it('takes another delimiter', async () => {
    expect(Array.from((await loadCsv(csv('a;b;y\n1;2;0\n3;4;1\n'), { delimiter: ';' })).x)).toEqual([1, 2, 3, 4]);
    expect((await loadCsv(csv('a\tb\ty\n1\t2\t0\n'), { delimiter: '\t' })).featureNames).toEqual(['a', 'b']);
  });
});

describe('loadCsv: errors name the file, the line and the column', () => {
  it('a non-numeric, non-finite or empty feature', async () => {
    const path = csv('a,b,y\n1,2,0\n1,two,1\n');
    const error = await failure(path);
    expect(error.message).toBe(`${path}, line 3, column "b" (index 1): expected a finite decimal number, received "two"`);
    expect([error.line, error.column]).toEqual([3, 1]);
    for (const [cell, received] of [
      ['Infinity', '"Infinity"'],
      ['NaN', '"NaN"'],
      ['', 'an empty cell'],
      [' ', 'an empty cell'],
    ]) {
      const p = csv(`a,b,y\n1,${cell},0\n`);
      expect((await failure(p)).message).toBe(`${p}, line 2, column "b" (index 1): expected a finite decimal number, received ${received}`);
    }
    const headless = csv('1,2,0\n1,x,1\n');
    expect((await failure(headless)).message).toBe(
      `${headless}, line 2, column index 1: expected a finite decimal number, received "x"`,
    );
  });

  it('an empty label cell', async () => {
    const path = csv('a,y\n1,cat\n2,\n');
    expect((await failure(path)).message).toBe(`${path}, line 3, column "y" (index 1): expected a class label, received an empty cell`);
  });

  it('a ragged row', async () => {
    const path = csv('a,b,y\n1,2,0\n3,4\n');
    const error = await failure(path);
    expect(error.message).toBe(`${path}, line 3: expected 3 columns (as on line 1), received 2`);
    expect(error.line).toBe(3);
  });

  it('an empty file, and one of blank lines', async () => {
    for (const content of ['', '\n\n\n', '\r\n\r\n']) {
      const path = csv(content);
      expect((await failure(path)).message).toBe(`${path}: the file is empty: expected rows of numbers, received none`);
    }
  });

  it('a file with only a header', async () => {
    const path = csv('a,b,label\n');
    expect((await failure(path)).message).toBe(`${path}: the file has a header (line 1) but no data rows`);
  });

  it('a label column that is not there, listing the header', async () => {
    const path = csv('a,b,label\n1,2,0\n');
    expect((await failure(path, { label: 'price' })).message).toBe(
      `${path}: options.label "price" is not a column; the header (line 1) has "a", "b", "label"`,
    );
    expect((await failure(path, { label: 3 })).message).toBe(
      `${path}: options.label 3 is out of range: the file has 3 columns (indices 0-2); the header (line 1) has "a", "b", "label"`,
    );
    const headless = csv('1,2,0\n');
    expect((await failure(headless, { label: 7 })).message).toBe(
      `${headless}: options.label 7 is out of range: the file has 3 columns (indices 0-2)`,
    );
    expect((await failure(headless, { label: 'y', header: false })).message).toBe(
      `${headless}: options.label "y" is a column name, but options.header is false; pass a 0-based column index`,
    );
    expect((await failure(path, { label: ['a', 0], task: 'regression' })).message).toBe(
      `${path}: options.label lists column "a" (index 0) twice`,
    );
    const single = csv('y\n1\n');
    expect((await failure(single)).message).toBe(`${single}: no feature columns: the file has 1 column and options.label takes 1`);
  });

  it('a single class, and integer labels too large to be class indices', async () => {
    const one = csv('a,y\n1,cat\n2,cat\n');
    expect((await failure(one)).message).toBe(
      `${one}, column "y" (index 1): every row has the label "cat"; classification needs at least 2 classes`,
    );
    const ids = csv(`a,id\n1,0\n2,${MAX_INTEGER_CLASSES}\n`);
    expect((await failure(ids)).message).toBe(
      `${ids}, column "id" (index 1): integer labels reach ${MAX_INTEGER_CLASSES}, which would make ${MAX_INTEGER_CLASSES + 1} classes (at most ${MAX_INTEGER_CLASSES}); for numeric targets pass task: 'regression'`,
    );
  });

  it('a missing file, a directory, and a quote that never closes', async () => {
    const missing = join(dir, 'nope.csv');
    expect((await failure(missing)).message).toBe(`file not found: ${missing}`);
    expect((await failure(dir)).message).toBe(`${dir} is a directory, expected a CSV file`);
    const quote = csv('a,b\n1,"2\n');
    expect((await failure(quote)).message).toBe(`${quote}, line 2, column "b" (index 1): a quoted cell that never closes: the file ends inside it`);
  });

  it('options, by their public names', async () => {
    const path = csv('a,y\n1,0\n2,1\n');
    const rejects = (options: unknown) => expect(loadCsv(path, options as CsvOptions)).rejects;
    await rejects({ labels: 'y' }).toThrow('options has an unknown option "labels"; expected one of header, label, task, delimiter, labelNames');
    await rejects({ header: 'yes' }).toThrow('options.header must be true, false or "auto", received "yes"');
    await rejects({ task: 'ranking' }).toThrow('options.task must be one of "classification", "regression", received "ranking"');
    await rejects({ delimiter: '' }).toThrow('options.delimiter must be a non-empty string, received ""');
    await rejects({ label: -1 }).toThrow('options.label must be a column name, a 0-based column index or an array of them, received -1');
    await rejects({ label: [0, 1] }).toThrow(
      "options.label lists 2 columns; classification takes one label column (several are targets of task: 'regression')",
    );
    await rejects({ labelNames: ['a'] }).toThrow('options.labelNames must be an array of at least 2 distinct strings, received ["a"] (array of length 1)');
    await rejects({ task: 'regression', labelNames: ['a', 'b'] }).toThrow("options.labelNames applies to task 'classification' only");
  });
});

/** global.gc, exposed at run time when node was started without --expose-gc. */
function collector(): () => void {
  if (typeof globalThis.gc !== 'function') setFlagsFromString('--expose-gc');
  return (globalThis.gc as (() => void) | undefined) ?? (runInNewContext('gc') as () => void);
}

describe('loadCsv: memory', () => {
  it('streams 200,000 rows x 20 columns, keeping little beyond the Float32Array', async () => {
    const rows = 200_000;
    const lines: string[] = [];
    for (let r = 0; r < rows; r++) {
      const cells: number[] = [];
      for (let j = 0; j < 19; j++) cells.push(((r * 31 + j * 7) % 1000) / 100);
      cells.push(r % 5);
      lines.push(cells.join(','));
    }
    const path = csv(lines.join('\n') + '\n', 'large.csv');
    lines.length = 0;
    const gc = collector();
    const heap = async () => {
      // Array buffers are freed after the collection that finds them dead, so collect twice around a tick.
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
      gc();
      const { heapUsed, arrayBuffers } = process.memoryUsage();
      return heapUsed + arrayBuffers;
    };
    const before = await heap();
    const data = await loadCsv(path);
    const added = (await heap()) - before;
    expect(data.n).toBe(rows);
    expect(data.features).toBe(19);
    expect(data.classes).toBe(5);
    expect(data.x[19 * 123 + 4]).toBeCloseTo(((123 * 31 + 4 * 7) % 1000) / 100, 5);
    expect(data.y[rows - 1]).toBe((rows - 1) % 5);
    expect(added).toBeLessThan(3 * data.x.byteLength);
  });
});

describe('resolveData (the CLI --data)', () => {
  it('digits and CSV files are split by --test-fraction; csvOptions reach the CSV', async () => {
    const digits = await resolveData('digits');
    expect([digits.name, digits.split, digits.test, digits.train.n]).toEqual(['digits', 'fraction', undefined, 1797]);
    const path = csv('a,kind,b\n1,x,2\n3,y,4\n');
    const data = await resolveData(path, { label: 'kind' });
    expect([data.name, data.split, data.test]).toEqual([path, 'fraction', undefined]);
    expect(data.train.labelNames).toEqual(['x', 'y']);
  });

  it('a missing path, a mistyped name and a directory', async () => {
    const missing = join(dir, 'absent.csv');
    await expect(resolveData(missing)).rejects.toThrow(`file not found: ${missing}`);
    await expect(resolveData('digit')).rejects.toThrow(
      '--data must be "digits", "fashion-mnist", idx:DIR (MNIST-format files) or the path of a CSV file, received "digit"',
    );
    const sub = join(dir, 'images');
    mkdirSync(sub);
    await expect(resolveData(sub)).rejects.toThrow(`--data ${sub} is a directory; for the MNIST-format files in it pass --data idx:${sub}`);
  });
});

describe('loadCsv: values float32 cannot hold', () => {
  it('names the file, line and column of a value out of float32 range', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const file = join(mkdtempSync(join(tmpdir(), 'descent-csv-range-')), 'big.csv');
    writeFileSync(file, 'a,b,y\n1,2,x\n3,1e40,y\n');
    await expect(loadCsv(file)).rejects.toThrow(/big.csv, line 3, column "b" \(index 1\): 1e40 is out of float32 range/);
  });

  it('predict\'s row reader refuses it the same way', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { readCsvRows } = await import('../src/data/csv-rows.js');
    const file = join(mkdtempSync(join(tmpdir(), 'descent-csv-range-')), 'rows.csv');
    writeFileSync(file, 'a,b\n1,2\n3,-1e39\n');
    const read = async () => {
      for await (const chunk of readCsvRows(file, { features: 2 })) void chunk;
    };
    await expect(read()).rejects.toThrow(/rows.csv, line 3, column "b" \(index 1\): -1e39 is out of float32 range/);
  });
});


/** A Readable of `chunks` chunks from `make`, counting the bytes the reader took. */
function counted(make: (i: number) => Buffer | null): { stream: Readable; bytes: () => number; chunks: () => number } {
  let bytes = 0;
  let chunks = 0;
  const stream = new Readable({
    read() {
      const chunk = make(chunks);
      if (chunk === null) return void this.push(null);
      chunks++;
      bytes += chunk.length;
      this.push(chunk);
    },
  });
  return { stream, bytes: () => bytes, chunks: () => chunks };
}

async function records(path: string, source: Partial<Parameters<typeof csvRecords>[1]> = {}): Promise<string[][]> {
  const rows: string[][] = [];
  for await (const { record } of csvRecords(path, { delimiter: ',', ...source })) rows.push(record);
  return rows;
}

async function refusal(promise: Promise<unknown>): Promise<CsvError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CsvError);
  return error as CsvError;
}

describe('loadCsv: a CSV number is a decimal number', () => {
  it('takes digits with an optional sign, point and exponent, and spaces or tabs around them', async () => {
    const cells = ['12', '-0.5', '+.5', '5.', '1e-3', '1E+3', ' 2 ', '\t3', '007', '-0'];
    const data = await loadCsv(csv(`${cells.map((_, j) => `c${j}`).join(',')},y\n${cells.join(',')},a\n${cells.join(',')},b\n`));
    expect(Array.from(data.x.subarray(0, cells.length))).toEqual([12, -0.5, 0.5, 5, 0.001, 1000, 2, 3, 7, -0].map(Math.fround));
  });

  it('refuses what Number() takes but a CSV reader should not, naming the file, line and column', async () => {
    for (const cell of ['0x10', '0X1F', '0b11', '0o17', '1_000', 'Infinity', '-Infinity', 'NaN', '\u00a01', '1\u2003', '+-1', '1e', 'e5', '.', '1.2.3', '١']) {
      const path = csv(`a,b,y\n1,2,x\n3,"${cell}",y\n`);
      const error = await failure(path);
      expect(error.message).toBe(`${path}, line 3, column "b" (index 1): expected a finite decimal number, received ${JSON.stringify(cell)}`);
      expect([error.line, error.column]).toEqual([3, 1]);
    }
    const rows = join(dir, 'rows-hex.csv');
    writeFileSync(rows, 'a,b\n1,0b11\n');
    const read = async () => {
      for await (const chunk of readCsvRows(rows, { features: 2 })) void chunk;
    };
    await expect(read()).rejects.toThrow(`${rows}, line 2, column "b" (index 1): expected a finite decimal number, received "0b11"`);
  });
});

describe('loadCsv: a CSV file is UTF-8 text', () => {
  it('refuses invalid UTF-8 naming the file and line: Windows-1252 "café" and "cafè" are not one class', async () => {
    const latin1 = csv(Buffer.concat([Buffer.from('a,label\n1,caf'), Buffer.from([0xe9]), Buffer.from('\n2,caf'), Buffer.from([0xe8]), Buffer.from('\n')]));
    const error = await failure(latin1);
    expect(error.message).toBe(
      `${latin1}, line 2: not UTF-8: the byte 0xe9 after "1,caf" is not a UTF-8 character; descent reads CSV files as UTF-8: convert it (e.g. iconv -f WINDOWS-1252 -t UTF-8)`,
    );
    expect(error.line).toBe(2);
    const utf8 = await loadCsv(csv('a,label\n1,café\n2,cafè\n'));
    expect(utf8.labelNames).toEqual(['café', 'cafè']);
  });

  it('names the line of a sequence cut off at the end of the file, and reads one split between two chunks', async () => {
    const cut = csv(Buffer.concat([Buffer.from('a,label\n1,x\n2,caf'), Buffer.from([0xc3])]));
    expect((await failure(cut)).message).toMatch(new RegExp(`^${escape(cut)}, line 3: not UTF-8: the file ends inside a character`));
    // 64 KiB chunks: pad the header so that an "é" straddles the first chunk's end.
    let header = 'a,label\n';
    while ((65536 - header.length - 3) % 5 !== 0) header = `a${header}`;
    const rows = Array.from({ length: 20000 }, (_, i) => (i % 2 ? '1,é' : '2,ü')).join('\n');
    const data = await loadCsv(csv(`${header}${rows}\n`));
    expect(data.n).toBe(20000);
    expect(data.labelNames).toEqual(['ü', 'é']);
  });

  it('a NUL byte is binary data, not text: /dev/zero ends at once', async () => {
    const nul = csv('a,b\n1,2\n3,\u0000\n');
    expect((await failure(nul)).message).toBe(`${nul}, line 3: a NUL byte (0x00): a CSV file holds text; this looks like binary data`);
    const zero = await refusal(loadCsv('/dev/zero'));
    expect(zero.message).toBe('/dev/zero, line 1: a NUL byte (0x00): a CSV file holds text; this looks like binary data');
    const { stream, chunks } = counted(() => Buffer.alloc(65536));
    await expect(records('zeros.csv', { input: stream })).rejects.toThrow('zeros.csv, line 1: a NUL byte (0x00)');
    expect(chunks()).toBeLessThanOrEqual(2);
  });

  it('refuses UTF-16 by its byte-order mark, saying how to convert it', async () => {
    const utf16 = csv(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,y\n1,0\n2,1\n', 'utf16le')]));
    expect((await failure(utf16)).message).toBe(
      `${utf16}: the file is UTF-16 (it starts with the byte-order mark ff fe); descent reads CSV files as UTF-8: convert it (e.g. iconv -f UTF-16 -t UTF-8)`,
    );
  });
});

describe('loadCsv: malformed CSV is a CsvError naming the file and line', () => {
  it('a stray quote, a quote that never closes, text after a closing quote', async () => {
    const stray = csv('a,b,y\n1,2,0\n1,2 "in",0\n');
    const error = await failure(stray);
    expect(error.message).toBe(
      `${stray}, line 3, column "b" (index 1): a quote inside an unquoted cell, after "2 "; quote the whole cell and double the quotes in it (as "a ""b"" c")`,
    );
    expect([error.line, error.column]).toEqual([3, 1]);
    const open = csv('a,b\n1,"2\n3,4\n');
    expect((await failure(open)).message).toBe(`${open}, line 2, column "b" (index 1): a quoted cell that never closes: the file ends inside it`);
    const after = csv('a,b\n1,"2"x\n');
    expect((await failure(after)).message).toBe(
      `${after}, line 2, column "b" (index 1): "x" after the closing quote of a quoted cell; expected the delimiter "," or the end of the line`,
    );
    const headless = csv('1,2,0\n1,2 "in",0\n');
    expect((await failure(headless)).message).toMatch(new RegExp(`^${escape(headless)}, line 2, column index 1: a quote inside an unquoted cell`));
  });

  it("predict's row reader names them the same way", async () => {
    const path = join(dir, 'rows-quote.csv');
    writeFileSync(path, 'a,b\n1,2\n3,4 "x"\n');
    const read = async () => {
      for await (const chunk of readCsvRows(path, { features: 2 })) void chunk;
    };
    const error = await refusal(read());
    expect(error.message).toMatch(new RegExp(`^${escape(path)}, line 3, column "b" \\(index 1\\): a quote inside an unquoted cell`));
  });
});

describe('loadCsv: limits on a record', () => {
  it(`a record of more than ${CSV_LIMITS.columns.toLocaleString('en')} columns is refused on its line, whatever its width (5,000,000 empty cells)`, async () => {
    const wide = csv(`${','.repeat(5_000_000)}\n`);
    const error = await failure(wide);
    expect(error.message).toBe(`${wide}, line 1: more than 1,000,000 columns, descent's limit for a CSV record`);
    expect(error.line).toBe(1);
    const wider = csv(`${'1,'.repeat(1_000_000)}1\n`);
    expect((await failure(wider)).message).toBe(`${wider}, line 1: more than 1,000,000 columns, descent's limit for a CSV record`);
  });

  it(`a record of more than ${CSV_LIMITS.recordBytes / 2 ** 20} MiB of cell text is refused once the parser has read that much`, async () => {
    const long = counted(() => Buffer.alloc(65536, 'a'));
    await expect(records('long.csv', { input: long.stream })).rejects.toThrow(
      "long.csv, line 1: more than 16,777,216 bytes (16 MiB) of cell text in one record, descent's limit for a CSV record",
    );
    expect(long.bytes()).toBeGreaterThanOrEqual(CSV_LIMITS.recordBytes);
    expect(long.bytes()).toBeLessThan(CSV_LIMITS.recordBytes + 2 ** 20);
    // Short cells without end: the columns past the limit run into the last cell, which the size limit stops.
    const cells = counted(() => Buffer.from('1,'.repeat(32768)));
    await expect(records('cells.csv', { input: cells.stream })).rejects.toThrow("cells.csv, line 1: more than 1,000,000 columns, descent's limit for a CSV record");
    expect(cells.bytes()).toBeLessThan(2 * CSV_LIMITS.columns + CSV_LIMITS.recordBytes + 2 ** 20);
  });

  it('both limits can be set lower (as the tests do), and name the line', async () => {
    const limits = { recordBytes: 64, columns: 8 };
    const path = csv(`a,b\n1,2\n${'x'.repeat(100)},3\n`);
    await expect(records(path, { limits })).rejects.toThrow(`${path}, line 3: more than 64 bytes of cell text in one record, descent's limit for a CSV record`);
    const quoted = csv(`a,b\n1,"${'x\n'.repeat(40)}"\n`);
    await expect(records(quoted, { limits })).rejects.toThrow(`${quoted}, line 2: more than 64 bytes of cell text in one record`);
    const wide = csv('1,2,3\n1,2,3,4,5,6,7,8,9\n');
    await expect(records(wide, { limits })).rejects.toThrow(`${wide}, line 2: more than 8 columns, descent's limit for a CSV record`);
    expect(await records(csv('1,2,3,4,5,6,7,8\n'), { limits })).toEqual([['1', '2', '3', '4', '5', '6', '7', '8']]);
  });

  it('a wide record within the limits is read in chunks of bounded size', async () => {
    const features = 200_000;
    const path = csv(`${'1,'.repeat(features - 1)}1\n${'2,'.repeat(features - 1)}2\n`);
    const chunks = [];
    for await (const chunk of readCsvRows(path, { features })) chunks.push(chunk);
    expect(chunks.map((c) => c.count)).toEqual([2]);
    expect(chunks[0].x.buffer.byteLength).toBeLessThanOrEqual(64 * 2 ** 20);
    expect(chunks[0].x[features]).toBe(2);
  });
});

describe('loadCsv: gzipped files', () => {
  it('reads a gzipped CSV as the CSV it holds, and names a damaged one', async () => {
    const data = await loadCsv(csv(gzipSync('a,b,label\n1,2,x\n3,4,y\n'), 'flowers.csv.gz'));
    expect([Array.from(data.x), data.labelNames]).toEqual([[1, 2, 3, 4], ['x', 'y']]);
    const gz = gzipSync(`a,b,label\n${'1,2,x\n3,4,y\n'.repeat(100)}`);
    const damaged = csv(gz.subarray(0, gz.length - 12), 'damaged.csv.gz');
    expect((await failure(damaged)).message).toMatch(new RegExp(`^${escape(damaged)}: the gzip data is damaged or truncated \\(.+\\)$`));
  });
});

describe('csvRecords: streaming', () => {
  it('hands over the first record after the first chunk, not after the file', async () => {
    const rows = Buffer.from('1,2,3\n'.repeat(10_000));
    const source = counted((i) => (i < 20 ? rows : null));
    let chunksAtFirst = -1;
    let count = 0;
    let cells = 0;
    for await (const { record } of csvRecords('rows.csv', { delimiter: ',', input: source.stream })) {
      if (count++ === 0) chunksAtFirst = source.chunks();
      cells += record.length;
    }
    expect([count, cells]).toEqual([200_000, 600_000]);
    expect(chunksAtFirst).toBeGreaterThanOrEqual(1);
    expect(chunksAtFirst).toBeLessThanOrEqual(4);
  });
});
