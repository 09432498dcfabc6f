/**
 * What descent writes onto: a regular file (or a new one) is replaced
 * whole; a character device or a FIFO, or a symlink to one, is written in
 * place and stays what it was (a rename would replace /dev/null with a
 * regular file); a directory, a socket or a block device is refused with
 * a message naming the path and what it is. The same for net.save,
 * descent train --save, descent predict --output and descent export --onnx.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, createReadStream, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModel } from '../src/io/model-file.js';
import { Network } from '../src/network.js';
import { checkNotInput } from '../src/cli/files.js';
import { cliInTempDir } from './support/cli.js';

const { path, descent } = cliInTempDir('descent-file-outputs-');
const isRoot = process.getuid?.() === 0;
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

/**
 * A character device to write onto: as root a private null device (c 1,3)
 * in the test's own directory, never the machine's /dev/null; otherwise
 * /dev/null itself (a user cannot replace it, and writing to it is harmless).
 */
function nullDevice(name: string): string {
  if (!isRoot) return '/dev/null';
  const device = path(name);
  const made = spawnSync('mknod', [device, 'c', '1', '3'], { encoding: 'utf8' });
  expect(made.status, made.stderr).toBe(0);
  return device;
}

function fifo(name: string): string {
  const file = path(name);
  const made = spawnSync('mkfifo', [file], { encoding: 'utf8' });
  expect(made.status, made.stderr).toBe(0);
  return file;
}

function expectNullDevice(file: string): void {
  const info = lstatSync(file);
  expect(info.isCharacterDevice(), `${file} is still a character device`).toBe(true);
  expect([Number(info.rdev >> 8), Number(info.rdev & 0xff)]).toEqual([1, 3]);
}

/** Everything written into the FIFO until its writer closes it. */
function readAll(file: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    createReadStream(file)
      .on('data', (chunk) => chunks.push(chunk as Buffer))
      .on('end', () => resolve(Buffer.concat(chunks)))
      .on('error', reject);
  });
}

const readers: ChildProcess[] = [];

/** A FIFO reader in another process (the command under test runs synchronously): cat FIFO > OUT. */
function catInto(source: string, out: string): Promise<number | null> {
  const fd = openSync(out, 'w');
  const child = spawn('cat', [source], { stdio: ['ignore', fd, 'inherit'] });
  closeSync(fd);
  readers.push(child);
  return new Promise((resolve) => child.on('close', resolve));
}

const temps = () => readdirSync(path('.')).filter((name) => name.endsWith('.tmp'));

let server: Server;
let socket: string;
beforeAll(async () => {
  socket = path('socket');
  server = createServer();
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  const { code, stderr } = descent('train', '--data', 'digits', '--layers', '64,10', '--epochs', '1', '--backend', 'js', '--save', 'digits.model');
  expect(code, stderr).toBe(0);
  const rows = Array.from({ length: 5 }, (_, r) => Array.from({ length: 64 }, (_, j) => (r + j) % 17).join(','));
  spawnSync('sh', ['-c', `printf '%s\\n' "$@" > rows.csv`, 'sh', ...rows], { cwd: path('.') });
});
afterAll(async () => {
  // A reader still waiting (a failed test wrote nothing into its FIFO) is not left behind.
  for (const reader of readers) if (reader.exitCode === null) reader.kill();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('net.save', () => {
  const net = new Network({ layers: [4, 8, 3], backend: 'js', seed: 1 });

  it('onto a character device, or a symlink to one, writes in place: the device stays a device', async () => {
    const device = nullDevice('null-save');
    await net.save(device);
    expectNullDevice(device);
    const link = path('link-to-null');
    symlinkSync(device, link);
    await net.save(link);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expectNullDevice(device);
    expect(temps()).toEqual([]);
  });

  it('onto a FIFO writes the whole model into it, and the FIFO stays a FIFO', async () => {
    const pipe = fifo('model.fifo');
    const [bytes] = await Promise.all([readAll(pipe), net.save(pipe)]);
    expect(lstatSync(pipe).isFIFO()).toBe(true);
    const decoded = decodeModel(bytes, 'the FIFO');
    expect(Buffer.from(decoded.params.buffer).equals(Buffer.from(net.params.buffer))).toBe(true);
    expect(temps()).toEqual([]);
  });

  it('refuses a directory and a socket, naming the path and what it is, and leaves them as they were', async () => {
    const directory = path('a-directory');
    mkdirSync(directory);
    await expect(net.save(directory)).rejects.toThrow(
      `cannot write ${directory}: it is a directory; descent writes a regular file (replaced whole), a character device or a FIFO (written in place)`,
    );
    expect(statSync(directory).isDirectory()).toBe(true);
    await expect(net.save(socket)).rejects.toThrow(`cannot write ${socket}: it is a socket; descent writes a regular file`);
    expect(lstatSync(socket).isSocket()).toBe(true);
    await expect(net.save(`${path('no-such-dir')}/`)).rejects.toThrow(`cannot write ${path('no-such-dir')}/: the path ends in /, so it names a directory`);
    expect(existsSync(path('no-such-dir'))).toBe(false);
    expect(temps()).toEqual([]);
  });

  it('takes a string or a file: URL; anything else is refused naming the parameter, what was expected and what was received', async () => {
    const url = pathToFileURL(path('from-url.descent'));
    await net.save(url);
    expect((await Network.load(url, { backend: 'js' })).params).toEqual(net.params);
    const expected = 'path must be a file path (a non-empty string or a file: URL), received';
    await expect(net.save('')).rejects.toThrow(`${expected} ""`);
    await expect(net.save(42 as never)).rejects.toThrow(`${expected} 42`);
    await expect(net.save(new URL('https://example.com/m.descent'))).rejects.toThrow(`${expected} the https: URL "https://example.com/m.descent"`);
    await expect(net.save(Buffer.from('m.descent') as never)).rejects.toThrow(`${expected} Buffer of length 9`);
    await expect(net.save('m\0.descent')).rejects.toThrow('path must be a file path (a non-empty string or a file: URL) without NUL characters, received "m\\u0000.descent"');
    await expect(Network.load(7 as never)).rejects.toThrow(`${expected} 7`);
    await expect(net.fit({ x: new Float32Array(4), y: new Int32Array(1), n: 1, features: 4, classes: 3 }, { resume: 5 as never })).rejects.toThrow(
      'options.resume must be a file path (a non-empty string or a file: URL), received 5',
    );
    expect(temps()).toEqual([]);
  });
});

describe('the command line', () => {
  it('train --save, predict --output and export --onnx onto a character device succeed and leave it a device', () => {
    const device = nullDevice('null-cli');
    const train = descent('train', '--data', 'digits', '--layers', '64,10', '--epochs', '1', '--backend', 'js', '--save', device);
    expect(train.code, train.stderr).toBe(0);
    expectNullDevice(device);
    // The same device for the model, the checkpoints and the log: nothing there to destroy.
    const all = descent('train', '--data', 'digits', '--layers', '64,10', '--epochs', '2', '--backend', 'js', '--save', device, '--checkpoint', device, '--log', device);
    expect(all.code, all.stderr).toBe(0);
    expectNullDevice(device);
    const predict = descent('predict', '--model', 'digits.model', '--input', 'rows.csv', '--output', device);
    expect(predict.code, predict.stderr).toBe(0);
    expect(predict.stdout).toBe(`predicted 5 rows of rows.csv into ${device}\n`);
    expectNullDevice(device);
    const link = path('onnx-link');
    symlinkSync(device, link);
    const exported = descent('export', '--model', 'digits.model', '--onnx', link);
    expect(exported.code, exported.stderr).toBe(0);
    expectNullDevice(device);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(temps()).toEqual([]);
  });

  it('predict --output onto a FIFO streams the CSV into it', async () => {
    const pipe = fifo('predictions.fifo');
    const out = path('from-fifo.csv');
    const reader = catInto(pipe, out);
    const predict = descent('predict', '--model', 'digits.model', '--input', 'rows.csv', '--output', pipe);
    expect(predict.code, predict.stderr).toBe(0);
    expect(await reader).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe('label,0,1,2,3,4,5,6,7,8,9');
    expect(lstatSync(pipe).isFIFO()).toBe(true);
  });

  it('predict --output /dev/stdout on a pipe writes the CSV there and nothing more; a device is never "the input file"', async () => {
    const piped = spawnSync('sh', ['-c', `"$0" "$1" predict --model digits.model --input rows.csv --output /dev/stdout | cat`, process.execPath, CLI], { cwd: path('.'), encoding: 'utf8' });
    expect(piped.status, piped.stderr).toBe(0);
    expect(piped.stderr).toBe('');
    const lines = piped.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines.every((line) => line.split(',').length === 11)).toBe(true);
    // One terminal as --input /dev/stdin and --output /dev/stdout: written in place, so not refused as the input.
    const device = nullDevice('null-both');
    await expect(checkNotInput('--output', device, '--input', device)).resolves.toBeUndefined();
    await expect(checkNotInput('--output', `${path('.')}/./digits.model`, '--model', path('digits.model'))).rejects.toThrow('it is the model file');
  });

  it('a directory or a socket is refused before any work, naming the flag, the path and what it is', () => {
    mkdirSync(path('out-dir'));
    const refusals: [string[], string][] = [
      [['train', '--data', 'digits', '--layers', '64,10', '--epochs', '1', '--save', 'socket'], 'cannot write --save socket: it is a socket'],
      [['train', '--data', 'digits', '--layers', '64,10', '--epochs', '1', '--checkpoint', 'out-dir'], 'cannot write --checkpoint out-dir: it is a directory'],
      [['predict', '--model', 'digits.model', '--input', 'rows.csv', '--output', 'socket'], 'cannot write --output socket: it is a socket'],
      [['export', '--model', 'digits.model', '--onnx', 'socket'], 'cannot write --onnx socket: it is a socket'],
    ];
    for (const [args, message] of refusals) {
      const { code, stdout, stderr } = descent(...args);
      expect(code, stderr).toBe(1);
      expect(stdout).toBe('');
      // One line: the refusal, no epoch of training before it.
      expect(stderr).toBe(`descent: ${message}; descent writes a regular file (replaced whole), a character device or a FIFO (written in place)\n`);
    }
    expect(lstatSync(socket).isSocket()).toBe(true);
    expect(temps()).toEqual([]);
  });
});
