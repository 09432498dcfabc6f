/**
 * The descent command line: its commands, and how commander's own errors
 * and output are routed (a usage mistake is one line and exit 2, see
 * errors.ts; --help and --version print and exit 0).
 */
import { Command } from 'commander';
import { descentVersion } from '../io/descent-version.js';
import { doctorCommand } from './commands/doctor.js';
import { evaluateCommand } from './commands/evaluate.js';
import { exportCommand } from './commands/export.js';
import { infoCommand } from './commands/info.js';
import { predictCommand } from './commands/predict.js';
import { trainCommand } from './commands/train.js';
import { fromCommander, UsageError } from './errors.js';
import { writeErr, writeOut } from './output.js';

const HELP = `
Every command takes --help (with examples) and --json (one JSON object on the last line of stdout).
Exit codes: 0 done, 1 a runtime error (bad file, bad data) or a doctor report with an error, 2 a usage error,
130 interrupted (Ctrl-C), 143 and 129 stopped by SIGTERM and SIGHUP (each cleans up as Ctrl-C does).

Examples:
  $ descent train --data iris.csv --label species --layers 4,16,3 --save iris.model
  $ descent info --model iris.model
  $ descent evaluate --model iris.model --data iris-test.csv
  $ descent predict --model iris.model --input new-flowers.csv --output predictions.csv
  $ descent export --model iris.model --onnx iris.onnx
`;

/** Routes a command's errors through errors.ts, and its output through output.ts. */
function configure(command: Command, name: string | null): Command {
  return command
    .exitOverride((error) => {
      throw fromCommander(error, name);
    })
    .configureOutput({
      writeOut: (text) => void writeOut(text),
      writeErr,
      outputError: () => {},
    });
}

export function buildProgram(): Command {
  const program = configure(new Command('descent'), null)
    .description('Train dense neural networks from Node.js, on native OpenBLAS kernels or the TypeScript reference.')
    .version(descentVersion(), '-V, --version', 'print the version of descent')
    .addHelpText('after', HELP);
  const commands = [trainCommand(), doctorCommand(), evaluateCommand(), predictCommand(), infoCommand(), exportCommand()];
  for (const command of commands) program.addCommand(configure(command, command.name()));
  // commander's own help command prints the whole help for a topic it does not know.
  program.helpCommand(false);
  program.addCommand(
    configure(new Command('help'), 'help')
      .description('display help for command')
      .argument('[command]', 'the command to describe')
      .action((name: string | undefined) => {
        if (name === undefined) return program.outputHelp();
        const command = commands.find((c) => c.name() === name);
        if (command === undefined) {
          const names = commands.map((c) => c.name());
          throw new UsageError(`unknown command '${name}': the commands are ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`, null);
        }
        command.outputHelp();
      }),
  );
  return program;
}
