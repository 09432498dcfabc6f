import { describe } from '../validate.js';
import { nativeAvailable, nativeBackend, nativeLoadError } from './native.js';
import { referenceBackend } from './reference.js';
import type { Plan } from '../plan.js';
import { rebuildCommand } from '../io/descent-version.js';
import type { Backend, BackendName } from './types.js';

export type BackendChoice = BackendName | 'auto';

/**
 * The backend that runs a plan: 'auto' is native when the addon loaded and
 * can run the plan, js otherwise; 'native' without the addon throws the
 * loader's error (what was tried and how to fix it), and with an addon
 * built before one of the plan's ops, an error naming that layer.
 */
export function selectBackend(choice: unknown, plan: Plan): Backend {
  switch (choice) {
    case 'js':
      return referenceBackend;
    case 'native': {
      if (!nativeAvailable()) throw nativeLoadError()!;
      const problem = nativeBackend.unsupported(plan);
      if (problem) throw problem;
      return nativeBackend;
    }
    case 'auto':
      if (nativeAvailable()) return nativeBackend.unsupported(plan) === null ? nativeBackend : referenceBackend;
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
      `Build it with ${rebuildCommand()}; it needs \`apt-get install libopenblas-dev cmake g++ make\`. ` +
      "backend 'native' throws the full reason.",
    { code: 'DESCENT_NATIVE_UNAVAILABLE' },
  );
}
