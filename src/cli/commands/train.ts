/** `descent train`: its flags, help and what it prints. */
import { Command } from 'commander';
import { TrainingDivergedError } from '../../train/errors.js';
import { addTrainFlags } from '../train/flag-definitions.js';
import { doctorHint } from '../doctor-hint.js';
import { interruptible } from '../interrupt.js';
import { printJson, printLines } from '../output.js';
import { FASHION_MNIST_DEFAULTS as FASHION, resolveTrainFlags, type TrainFlags } from '../train/flags.js';
import { runTrain } from '../train/run.js';
import { summaryLines } from '../train/summary.js';

const HELP = `
Data (--data):
  digits         the 8x8 digits shipped with descent; the test set is split off by --test-fraction
  fashion-mnist  Fashion-MNIST from /usr/share/datasets/fashion-mnist (apt-get install
                 dataset-fashion-mnist), with its own 10,000-image test set: --test-fraction does
                 not apply. Its defaults are --layers ${FASHION.layers.join(',')} --dropout ${FASHION.dropout}
                 --epochs ${FASHION.epochs} --batch-size ${FASHION.batchSize}; flags given explicitly override them.
  idx:DIR        MNIST-format files in DIR (train-images-idx3-ubyte, train-labels-idx1-ubyte,
                 t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each may be .gz), with their own
                 test set: --test-fraction does not apply
  FILE.csv       a CSV file in UTF-8, gzipped or not, header or not (a first row with a non-number
                 is a header); --label, --task and --delimiter say how to read it; the test set is
                 split off by --test-fraction. Numbers are decimal (12, -0.5, 1e-3); a record holds
                 at most 1,000,000 columns and 16 MiB of text

Progress goes to stderr: a bar on a terminal, one line per epoch otherwise. With --json the last
line of stdout is one JSON object: every setting the run used ("settings"), a command line that
repeats it ("repeat") and the results. --save keeps that summary in the model (see descent info).

Ctrl-C stops training between batches and exits with code 130 at once, without --save; SIGTERM
(docker stop, Kubernetes) and SIGHUP do the same with codes 143 and 129. The --checkpoint file then
holds the last epoch it was written for (every --checkpoint-every epochs): continue with --resume
FILE and the same flags.

Examples:
  $ descent train --data digits --epochs 20
  $ descent train --data iris.csv --label species --layers 4,16,3 --preprocess standardize --save iris.model
  $ descent train --data houses.csv --task regression --label price,rent --layers 8,32,2 --early-stopping 10
  $ descent train --data fashion-mnist --checkpoint run.ckpt --log run.jsonl --save fashion.model
  $ descent train --data fashion-mnist --checkpoint run.ckpt --resume run.ckpt --save fashion.model
`;

/**
 * Near chance: the test accuracy closes less than this share of the gap
 * from a constant guess of the largest class (1 / K for K balanced
 * classes) to 1. On 10 balanced classes that is under 19%; a network that
 * learnt anything at all gets well past it.
 */
const NEAR_CHANCE = 0.1;

export function trainCommand(): Command {
  const command = new Command('train')
    .description('train a network on a dataset, show per-epoch progress, report test loss and accuracy')
    .requiredOption('--data <source>', 'digits, fashion-mnist, idx:DIR or the path of a CSV file (see Data below)');
  addTrainFlags(command)
    .option('--json', 'print the result as one JSON object on the last line of stdout', false)
    .option('--verbose', 'print the stack trace of an error')
    .addHelpText('after', HELP)
    .action(async (raw: TrainFlags, self: Command) => {
      const flags = resolveTrainFlags(raw, (key) => self.getOptionValueSource(key));
      let run;
      try {
        run = await interruptible((signal) => runTrain(flags, signal));
      } catch (error) {
        if (error instanceof TrainingDivergedError) process.stderr.write(`${doctorHint('it diverged')}\n`);
        throw error;
      }
      const { summary, chanceAccuracy } = run;
      const nearChance = summary.testAccuracy !== undefined && chanceAccuracy !== null && summary.testAccuracy < chanceAccuracy + NEAR_CHANCE * (1 - chanceAccuracy);
      const hint = nearChance ? doctorHint('it finished near chance') : null;
      if (flags.json) {
        // stdout's last line stays the JSON object; the hint is for the person reading stderr.
        if (hint !== null) process.stderr.write(`${hint}\n`);
        await printJson(summary);
      } else {
        await printLines(hint === null ? summaryLines(summary) : [...summaryLines(summary), hint]);
      }
    });
  return command;
}
