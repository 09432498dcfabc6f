/** Each bad input from the command line: one line on stderr naming what is wrong, exit 1, no stack. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'descent-cli-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = (name: string) => join(dir, name);

function descent(...args: string[]) {
  // The timeout turns a command that never ends (it once read /dev/zero for ever) into a failure.
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir, timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a command that must fail at run time; returns its one line of stderr. */
function failure(...args: string[]): string {
  const { code, stdout, stderr } = descent(...args);
  expect(code, stderr).toBe(1);
  expect(stdout).toBe('');
  expect(stderr).not.toMatch(/\n\s+at /);
  const lines = stderr.split('\n').filter((line) => line !== '');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^descent: /);
  return lines[0];
}

const FLOWERS = [
  'sepal_length,sepal_width,petal_length,petal_width,species',
  ...Array.from({ length: 30 }, (_, i) => {
    const c = i % 3;
    return [5 + c + (i % 5) * 0.1, 3 - c * 0.2, 1.5 + 2 * c, 0.2 + 0.9 * c, ['setosa', 'versicolor', 'virginica'][c]].join(',');
  }),
];

beforeAll(() => {
  writeFileSync(path('iris.csv'), `${FLOWERS.join('\n')}\n`);
  const { code, stderr } = descent('train', '--data', 'iris.csv', '--label', 'species', '--layers', '4,8,3', '--epochs', '5', '--save', 'iris.model', '--checkpoint', 'iris.ckpt');
  expect(code, stderr).toBe(0);
});

describe('bad CSV data', () => {
  const cases: [string, string, string[], RegExp][] = [
    ['a non-numeric feature', 'a,b,label\n1,2,x\n3,abc,y\n', [], /^descent: \S+nonnumeric.csv, line 3, column "b" \(index 1\): expected a finite decimal number, received "abc"$/],
    ['a ragged row', 'a,b,label\n1,2,x\n3,4,5,y\n', [], /^descent: \S+ragged.csv, line 3: expected 3 columns \(as on line 1\), received 4$/],
    ['an empty file', '', [], /^descent: \S+empty.csv: the file is empty: expected rows of numbers, received none$/],
    ['a header only', 'a,b,label\n', [], /^descent: \S+header-only.csv: the file has a header \(line 1\) but no data rows$/],
    ['a missing label column', 'a,b,label\n1,2,x\n3,4,y\n', ['--label', 'kind'], /^descent: \S+missing-label.csv: --label "kind" is not a column; the header \(line 1\) has "a", "b", "label"$/],
    ['a stray quote', 'a,b,label\n1,2,x\n1,2 "in",y\n', [], /^descent: \S+quote.csv, line 3, column "b" \(index 1\): a quote inside an unquoted cell, after "2 "; quote the whole cell and double the quotes in it \(as "a ""b"" c"\)$/],
    ['a hexadecimal number', 'a,b,label\n1,2,x\n0x10,2,y\n', [], /^descent: \S+hex.csv, line 3, column "a" \(index 0\): expected a finite decimal number, received "0x10"$/],
  ];
  const names = ['nonnumeric', 'ragged', 'empty', 'header-only', 'missing-label', 'quote', 'hex'];
  cases.forEach(([what, content, flags, message], i) => {
    it(`train refuses ${what}`, () => {
      const file = path(`${names[i]}.csv`);
      writeFileSync(file, content);
      expect(failure('train', '--data', file, '--layers', '2,2', ...flags)).toMatch(message);
    });
  });

  it('train accepts a BOM and CRLF line ends', () => {
    const rows = FLOWERS.join('\r\n');
    writeFileSync(path('bom.csv'), `\uFEFF${rows}\r\n`);
    const { code, stdout, stderr } = descent('train', '--data', 'bom.csv', '--layers', '4,8,3', '--epochs', '2', '--save', 'bom.model', '--json');
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout.trim().split('\n').pop()!).testRows).toBe(6);
    const info = JSON.parse(descent('info', '--model', 'bom.model', '--json').stdout);
    expect(info.labels).toEqual(['setosa', 'versicolor', 'virginica']);
  });

  it('train --data /dev/zero ends at once: NUL bytes are not CSV text', () => {
    expect(failure('train', '--data', '/dev/zero')).toBe('descent: /dev/zero, line 1: a NUL byte (0x00): a CSV file holds text; this looks like binary data');
  });

  it('train refuses invalid UTF-8, naming the file and line', () => {
    writeFileSync(path('latin1.csv'), Buffer.concat([Buffer.from('a,label\n1,caf'), Buffer.from([0xe9]), Buffer.from('\n2,x\n')]));
    expect(failure('train', '--data', 'latin1.csv', '--layers', '1,2')).toMatch(/^descent: latin1.csv, line 2: not UTF-8: the byte 0xe9 after "1,caf"/);
  });

  it('train names a --data path that does not exist', () => {
    expect(failure('train', '--data', './missing.csv')).toBe('descent: file not found: ./missing.csv');
  });

  it('evaluate refuses a label the model never saw, naming file, line and label', () => {
    writeFileSync(path('unseen.csv'), `${FLOWERS.slice(0, 4).join('\n')}\n5.5,3,4,1,dahlia\n`);
    expect(failure('evaluate', '--model', 'iris.model', '--data', 'unseen.csv')).toMatch(
      /^descent: unseen.csv, line 5, column "species" \(index 4\): label "dahlia" is not one of the model's labels \("setosa", "versicolor", "virginica"\)$/,
    );
  });

  it('evaluate refuses data whose features do not fit the model', () => {
    expect(failure('evaluate', '--model', 'iris.model', '--data', 'digits')).toBe(
      'descent: --data digits has 64 features per row, but the model iris.model takes 4 inputs',
    );
  });
});

describe('bad model, IDX and checkpoint files', () => {
  it('a wrong IDX magic number', () => {
    const idx = path('idx');
    mkdirSync(idx, { recursive: true });
    // One 1x1 image and its label, but a labels file where the training images belong.
    const labels = Buffer.from([0, 0, 8, 1, 0, 0, 0, 1, 0]);
    const images = Buffer.from([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 7]);
    writeFileSync(join(idx, 'train-images-idx3-ubyte'), labels);
    writeFileSync(join(idx, 'train-labels-idx1-ubyte'), labels);
    writeFileSync(join(idx, 't10k-images-idx3-ubyte'), images);
    writeFileSync(join(idx, 't10k-labels-idx1-ubyte'), labels);
    expect(failure('train', '--data', `idx:${idx}`)).toMatch(
      /^descent: \S+train-images-idx3-ubyte: wrong magic number: expected 0x00000803 \(IDX images: unsigned bytes, 3 dimensions\), received 0x00000801$/,
    );
    expect(failure('predict', '--model', 'iris.model', '--input', join(idx, 't10k-labels-idx1-ubyte'))).toMatch(/wrong magic number: expected 0x00000803/);
  });

  it('a truncated model file', () => {
    writeFileSync(path('truncated.model'), readFileSync(path('iris.model')).subarray(0, 100));
    for (const command of [['info'], ['evaluate', '--data', 'iris.csv'], ['predict', '--input', 'iris.csv']]) {
      expect(failure(command[0], '--model', 'truncated.model', ...command.slice(1))).toMatch(/^descent: truncated.model is truncated: expected \d+ bytes, it has 100$/);
    }
  });

  it('a file that is not a model', () => {
    expect(failure('info', '--model', 'iris.csv')).toBe('descent: iris.csv is not a descent model file (it starts with "sepal_le")');
    expect(failure('evaluate', '--model', 'missing.model', '--data', 'iris.csv')).toBe('descent: file not found: missing.model');
  });

  it('--resume with a checkpoint of a different network', () => {
    expect(failure('train', '--data', 'iris.csv', '--layers', '4,16,3', '--epochs', '6', '--resume', 'iris.ckpt')).toBe(
      'descent: --resume: iris.ckpt is a checkpoint of a different network: layers 4-8-3 (67 parameters) there, 4-16-3 (131 parameters) here',
    );
  });

  it('--resume with other settings names the flag', () => {
    expect(failure('train', '--data', 'iris.csv', '--layers', '4,8,3', '--epochs', '6', '--batch-size', '16', '--resume', 'iris.ckpt')).toBe(
      'descent: --resume: iris.ckpt was trained with --batch-size 32, this fit has 16: resume with the same settings and data',
    );
  });

  it('--save, --log or --checkpoint over the --data file is refused, and the file is left as it was', () => {
    const before = readFileSync(join(dir, 'iris.csv'), 'utf8');
    for (const flag of ['--save', '--log', '--checkpoint']) {
      expect(failure('train', '--data', 'iris.csv', '--layers', '4,8,3', '--epochs', '1', flag, 'iris.csv')).toBe(
        `descent: ${flag} iris.csv is the --data file: write the output to another path`,
      );
    }
    expect(readFileSync(join(dir, 'iris.csv'), 'utf8')).toBe(before);
  });

  it('--save into a directory that does not exist fails before training (no epoch line)', () => {
    expect(failure('train', '--data', 'iris.csv', '--layers', '4,8,3', '--save', 'no/such/dir/m.model')).toBe(
      `descent: cannot write --save no/such/dir/m.model: the directory ${join(dir, 'no/such/dir')} does not exist`,
    );
  });
});

describe('predict input told apart by its content', () => {
  it('a gzipped CSV is read as CSV, not as IDX images', () => {
    writeFileSync(path('iris.csv.gz'), gzipSync(`${FLOWERS.join('\n')}\n`));
    const { code, stdout, stderr } = descent('predict', '--model', 'iris.model', '--input', 'iris.csv.gz', '--label', 'species', '--json');
    expect(code, stderr).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('label,setosa,versicolor,virginica');
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ rows: 30 });
  });

  it('/dev/zero is refused at its first bytes', () => {
    expect(failure('predict', '--model', 'iris.model', '--input', '/dev/zero')).toBe(
      'descent: /dev/zero: wrong magic number: expected 0x00000803 (IDX images: unsigned bytes, 3 dimensions), received 0x00000000',
    );
  });
});

describe('--log: only a file of its own, only a log descent wrote', () => {
  const TRAIN = ['train', '--data', 'iris.csv', '--layers', '4,8,3', '--epochs', '6'];
  const own = (flag: string, spelling: string, other: string) =>
    `descent: cannot write --log ${spelling}: it is the ${flag.slice(2)} file (${flag} ${other}); the log would destroy it: give --log a file of its own`;

  it('the --resume, --checkpoint or --save file, under any spelling or through a link, is refused and left whole', () => {
    const checkpoint = readFileSync(path('iris.ckpt'));
    symlinkSync('iris.ckpt', path('iris-link.ckpt'));
    for (const spelling of ['iris.ckpt', './iris.ckpt', path('iris.ckpt'), 'iris-link.ckpt']) {
      expect(failure(...TRAIN, '--resume', 'iris.ckpt', '--log', spelling)).toBe(own('--resume', spelling, 'iris.ckpt'));
    }
    expect(failure(...TRAIN, '--checkpoint', 'iris.ckpt', '--log', './iris-link.ckpt')).toBe(own('--checkpoint', './iris-link.ckpt', 'iris.ckpt'));
    expect(readFileSync(path('iris.ckpt')).equals(checkpoint)).toBe(true);
    // Files that do not exist yet are the same file too.
    expect(failure(...TRAIN, '--checkpoint', 'new.ckpt', '--log', `${dir}/./new.ckpt`)).toBe(own('--checkpoint', `${dir}/./new.ckpt`, 'new.ckpt'));
    expect(failure(...TRAIN, '--save', 'new.model', '--log', './new.model')).toBe(own('--save', './new.model', 'new.model'));
    expect(existsSync(path('new.ckpt')) || existsSync(path('new.model'))).toBe(false);
  });

  it('an existing file that is not a log descent wrote is refused naming its line, and left as it was, resumed or not', () => {
    const cases: [string, Buffer, string][] = [
      ['notes.txt', Buffer.from('my notes\n'), 'its line 1 is not one of descent\'s epoch records ("my notes")'],
      ['other.jsonl', Buffer.from('{"epoch":1,"lr":0.1,"loss":2}\n\n{"step":3}\n'), 'its line 3 is not one of descent\'s epoch records ("{\\"step\\":3}")'],
      ['latin1.jsonl', Buffer.concat([Buffer.from('{"epoch":1,"loss":2}\n'), Buffer.from('{"epoch":2,"loss":"caf\xe9"}\n', 'latin1')]), 'its line 2 is not UTF-8 text'],
    ];
    for (const [name, bytes, what] of cases) {
      writeFileSync(path(name), bytes);
      const message = `descent: cannot write --log ${name}: ${what}, so it is not a log descent wrote; descent adds only to its own logs: give --log a new file`;
      expect(failure(...TRAIN, '--log', name)).toBe(message);
      expect(failure(...TRAIN, '--resume', 'iris.ckpt', '--log', name)).toBe(message);
      expect(readFileSync(path(name)).equals(bytes), name).toBe(true);
    }
    expect(failure(...TRAIN, '--log', 'iris.model')).toBe(
      'descent: cannot write --log iris.model: its line 1 is not UTF-8 text, so it is not a log descent wrote; descent adds only to its own logs: give --log a new file',
    );
  });

  it('a log that takes no writes (/dev/full) fails before training, naming the path', () => {
    // As root a private full device (c 1,7); otherwise the machine's, which any write fails harmlessly.
    const full = process.getuid?.() === 0 ? path('full') : '/dev/full';
    if (full !== '/dev/full') expect(spawnSync('mknod', [full, 'c', '1', '7']).status).toBe(0);
    // One line on stderr: no epoch was trained.
    expect(failure(...TRAIN, '--log', full)).toBe(`descent: cannot write --log ${full}: ENOSPC: no space left on device, write`);
  });
});

describe('predict input that does not fit the model', () => {
  it('a different feature count, on the first line', () => {
    writeFileSync(path('three.csv'), 'a,b,c\n1,2,3\n');
    expect(failure('predict', '--model', 'iris.model', '--input', 'three.csv')).toBe(
      'descent: three.csv, line 1 (the header): expected 4 features (the inputs of model iris.model), received 3',
    );
  });

  it('a different feature count further down, with a hint when a label column may be the extra one', () => {
    writeFileSync(path('long-row.csv'), '1,2,3,4\n5,6,7,8\n1,2,3,4,setosa\n');
    expect(failure('predict', '--model', 'iris.model', '--input', 'long-row.csv')).toBe(
      'descent: long-row.csv, line 3: expected 4 features (the inputs of model iris.model), received 5; to skip label columns pass --label',
    );
    expect(failure('predict', '--model', 'iris.model', '--input', 'iris.csv', '--label', '0,species')).toBe(
      'descent: iris.csv, line 1 (the header): expected 4 features (the inputs of model iris.model), received 3 (5 columns, 2 of them label columns)',
    );
  });
});

describe('--verbose', () => {
  it('adds the stack trace after the one line', () => {
    const { code, stderr } = descent('info', '--model', 'missing.model', '--verbose');
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines[0]).toBe('descent: file not found: missing.model');
    expect(lines[1]).toBe('ModelFileError: file not found: missing.model');
    expect(stderr).toMatch(/\n\s+at /);
  });
});
