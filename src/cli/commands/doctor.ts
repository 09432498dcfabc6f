/** `descent doctor`: why a network does not learn, from the flags `descent train` takes. */
import { Command } from 'commander';
import { diagnose } from '../../diagnose/diagnose.js';
import { doctorLines, useColour } from '../doctor-text.js';
import { FindingsFailed } from '../errors.js';
import { abortable, interruptible } from '../interrupt.js';
import { printJson, printLines } from '../output.js';
import { addTrainFlags } from '../train/flag-definitions.js';
import { resolveTrainFlags, type TrainFlags } from '../train/flags.js';
import { networkOptionsOf, stepOptionsOf, trainAndTestOf } from '../train/run.js';

const HELP = `
Takes the flags of descent train, so a train command line runs as a doctor by changing its
first word; flags about the length and outputs of a run (--epochs, --schedule, --save,
--checkpoint, --log, --early-stopping, --val-fraction, --resume) are accepted and not used.
It trains a copy of the network for a few hundred steps and prints findings worst first,
each with its evidence and a fix. docs/doctor.md lists every finding code.
Exit code 1 when it reports an error (warnings and notes alone exit 0), 2 for a usage error.

Examples:
  $ descent doctor --data digits --layers 64,10,10 --output tanh --loss mse --init uniform --optimizer sgd
  $ descent doctor --data iris.csv --label species --layers 4,16,3 --json
`;

export function doctorCommand(): Command {
  const command = new Command('doctor')
    .description('probe a network on its data and report why it does not learn, with evidence and fixes')
    .requiredOption('--data <source>', 'digits, fashion-mnist, idx:DIR or the path of a CSV file (as descent train)');
  addTrainFlags(command)
    .option('--json', 'print the report as one JSON object on the last line of stdout', false)
    .option('--verbose', 'print the stack trace of an error')
    .addHelpText('after', HELP)
    .action(async (raw: TrainFlags, self: Command) => {
      const flags = resolveTrainFlags(raw, (key) => self.getOptionValueSource(key), 'doctor');
      // The diagnosis cannot stop between steps and writes nothing: a signal ends it where it is.
      const report = await interruptible(async (signal) => {
        const work = async () => {
          const { train, test } = await trainAndTestOf(flags, 'doctor');
          return diagnose(networkOptionsOf(flags), train, { ...stepOptionsOf(flags), test });
        };
        return abortable(work(), signal, `during the diagnosis of --data ${flags.data}`);
      });
      await (flags.json ? printJson({ command: 'doctor', ...report }) : printLines(doctorLines(report, useColour(process.stdout))));
      if (report.counts.error > 0) throw new FindingsFailed(`${report.counts.error} errors found`);
    });
  return command;
}
