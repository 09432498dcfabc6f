import { trainTestSplit } from '../data/split.js';
import type { Dataset } from '../data/dataset.js';

/** trainTestSplit for --test-fraction: a split that leaves a part empty is a RangeError naming the flag. */
export function testSplit(data: Dataset, testFraction: number, seed: number): { train: Dataset; test: Dataset } {
  try {
    return trainTestSplit(data, { testFraction, seed });
  } catch (error) {
    if (error instanceof RangeError) throw new RangeError(error.message.replace(/^testFraction\b/, '--test-fraction'));
    throw error;
  }
}
