// PLACEHOLDER (lead): replaced wholesale by the native backend implementation.
import type { Backend } from './types.js';
const error = new Error('the native backend is not built yet');
export const nativeBackend: Backend = {
  name: 'native',
  createTrainer() { throw error; },
  predict() { throw error; },
};
export function nativeAvailable(): boolean { return false; }
export function nativeLoadError(): Error | undefined { return error; }
