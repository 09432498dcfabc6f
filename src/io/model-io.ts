/** Model files on disk: read whole and decoded, or encoded and written atomically. */
import { constants as bufferConstants } from 'node:buffer';
import { open } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write.js';
import { ModelFileError } from './model-error.js';
import { decodeModel, encodeModel } from './model-file.js';
import type { DecodedModel, ModelParts } from './model-header.js';

export async function writeModelFile(path: string, parts: ModelParts): Promise<void> {
  await writeFileAtomic(path, encodeModel(parts));
}

export async function readModelFile(path: string): Promise<DecodedModel> {
  return decodeModel(await readWholeFile(path), path);
}

/**
 * The file's bytes. Not fs.readFile: it stops at 2 GiB, and a model with
 * its optimizer moments may be larger (up to what one Buffer holds).
 */
async function readWholeFile(path: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelFileError(code === 'ENOENT' ? `file not found: ${path}` : `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const { size } = await handle.stat();
    if (size > bufferConstants.MAX_LENGTH) {
      throw new ModelFileError(`${path} is ${size} bytes, more than one Buffer holds here (${bufferConstants.MAX_LENGTH}): not a model this descent wrote`);
    }
    const bytes = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(bytes, filled, Math.min(size - filled, 1 << 30), filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return bytes.subarray(0, filled);
  } catch (error) {
    if (error instanceof ModelFileError) throw error;
    throw new ModelFileError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  } finally {
    await handle.close();
  }
}
