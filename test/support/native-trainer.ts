import type { NativeTrainerHandle } from '../../src/backend/native.js';

/** A trainer handle made ready as NativeTrainer.create makes it: prepared, then every row loaded. */
export async function ready(handle: NativeTrainerHandle, n: number): Promise<NativeTrainerHandle> {
  await handle.prepare();
  handle.loadRows(n);
  return handle;
}
