/** What every check reads: the network, the data as it sees them, the settings and the probe's measurements. */
import type { CheckedData } from '../data/dataset.js';
import type { Network } from '../network.js';
import type { ResolvedFitOptions } from '../train/options.js';
import type { ProbeResult } from './probe.js';

export interface DoctorContext {
  /** The network at its initial weights (never trained by the doctor). */
  network: Network;
  /** The training rows as given (before preprocessing). */
  train: CheckedData;
  /** A held-out test set, when given: for the duplicate-rows check. */
  test: CheckedData | null;
  /** The fit options the probe ran with. */
  fit: ResolvedFitOptions;
  probe: ProbeResult;
}
