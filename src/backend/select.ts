import { describe } from '../validate.js';
import { nativeAvailable, nativeBackend, nativeLoadError } from './native.js';
import { referenceBackend } from './reference.js';
import type { Backend, BackendName } from './types.js';

export type BackendChoice = BackendName | 'auto';

/**
 * The backend for a name: 'auto' is native when the addon loaded and js
 * otherwise; 'native' without the addon throws the loader's error, which
 * lists what was tried and how to fix it.
 */
export function selectBackend(choice: unknown): Backend {
  switch (choice) {
    case 'js':
      return referenceBackend;
    case 'native':
      if (!nativeAvailable()) throw nativeLoadError()!;
      return nativeBackend;
    case 'auto':
      return nativeAvailable() ? nativeBackend : referenceBackend;
    default:
      throw new TypeError(`backend must be one of "js", "native", "auto", received ${describe(choice)}`);
  }
}
