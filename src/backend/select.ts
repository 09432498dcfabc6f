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
      if (nativeAvailable()) return nativeBackend;
      warnOnceAboutFallback();
      return referenceBackend;
    default:
      throw new TypeError(`backend must be one of "js", "native", "auto", received ${describe(choice)}`);
  }
}

let warned = false;

/** One process warning, the first time 'auto' has to settle for js. */
function warnOnceAboutFallback(): void {
  if (warned) return;
  warned = true;
  process.emitWarning(
    "descent: the native backend is not available, so backend 'auto' uses the slower js backend. " +
      "Build it with `npm run build:native` (it needs `apt-get install libopenblas-dev cmake g++`); " +
      "backend 'native' throws the full reason.",
    { code: 'DESCENT_NATIVE_UNAVAILABLE' },
  );
}
