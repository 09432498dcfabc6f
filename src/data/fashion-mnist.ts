/**
 * Fashion-MNIST (Zalando, MIT licence) as Debian ships it in the
 * dataset-fashion-mnist package: 28x28 greyscale images of ten kinds of
 * clothing, the official 60,000 training and 10,000 test images.
 */
import { existsSync } from 'node:fs';
import type { Dataset } from './dataset.js';
import { loadIdxDirectory } from './idx.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_LABELS = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** Thrown when a dataset that lives outside the package is not installed. */
export class DatasetNotInstalledError extends Error {
  override readonly name = 'DatasetNotInstalledError';
}

/**
 * The official split, images as bytes (xScale 1/255), labels 0-9 named by
 * labelNames. `dir` reads another copy laid out the same way.
 */
export async function loadFashionMnist(dir: string = FASHION_MNIST_DIR): Promise<{ train: Dataset; test: Dataset }> {
  if (!existsSync(dir)) {
    throw new DatasetNotInstalledError(
      `Fashion-MNIST not found in ${dir}: on Debian or Ubuntu install it with \`sudo apt-get install dataset-fashion-mnist\`, ` +
        'or pass the directory of another copy to loadFashionMnist(dir)',
    );
  }
  const { train, test } = await loadIdxDirectory(dir);
  const named = { classes: FASHION_MNIST_LABELS.length, labelNames: [...FASHION_MNIST_LABELS] };
  return { train: { ...train, ...named }, test: { ...test, ...named } };
}
