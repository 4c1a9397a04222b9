/**
 * The losslens command line. The only place that maps errors to exit codes and calls
 * process.exit: 2 for bad input or options, 130 when interrupted, 1 for internal faults.
 */
import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { exitCodeFor, LosslensError } from '../src/errors.js';
import { VERSION } from '../src/version.js';
import { interruptedBy, runInterruptHooks } from './cleanup.js';
import { commitInFlight } from '../src/io/output-dir.js';
import { removePendingTempFiles } from '../src/io/atomic-write.js';
import { rawErrorAsInput } from './raw-errors.js';
import { checkOptionLimits } from './option-limits.js';
import { cliMessage } from './flags.js';
import * as info from './commands/info.js';
import * as evalCmd from './commands/eval.js';
import * as hessian from './commands/hessian.js';
import * as slice from './commands/slice.js';
import * as interpolate from './commands/interpolate.js';
import * as gradients from './commands/gradients.js';
import * as train from './commands/train.js';
import * as seeds from './commands/seeds.js';
import * as saddles from './commands/saddles.js';
import * as saddleDynamics from './commands/saddle-dynamics.js';
import * as trajectory from './commands/trajectory.js';
import * as optimizers from './commands/optimizers.js';
import * as batchSize from './commands/batch-size.js';
import * as doubleDescent from './commands/double-descent.js';
import * as report from './commands/report.js';
import * as worker from './commands/worker.js';
import * as watch from './commands/watch.js';
import { joinNegativeValues } from './parse.js';

const COMMANDS = [
  info,
  evalCmd,
  hessian,
  slice,
  interpolate,
  gradients,
  train,
  seeds,
  saddles,
  saddleDynamics,
  trajectory,
  optimizers,
  batchSize,
  doubleDescent,
  report,
  worker,
  watch,
] as unknown as CommandModule[];

const verbose = process.argv.includes('--verbose');

function fail(rawErr: unknown): void {
  // after a signal, errors of the work being torn down are echoes of it: the handler exits 130
  if (interruptedBy()) return;
  const err = rawErrorAsInput(rawErr);
  const code = exitCodeFor(err);
  const msg = cliMessage(err);
  process.stderr.write(`losslens: ${code === 1 && !(err instanceof LosslensError) ? 'internal error: ' : ''}${msg.split('\n')[0]}\n`);
  if (verbose && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  else if (code === 1) process.stderr.write('(run with --verbose for the stack)\n');
  process.exit(code);
}

/**
 * A signal aborts the run: hooks remove staging folders (waiting for a commit in progress, which
 * then completes), then exit 130. A second signal while that runs exits at once, except inside
 * a commit's renames, which always finish.
 */
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    if (stopping) {
      if (!commitInFlight()) {
        removePendingTempFiles();
        process.exit(130);
      }
      return;
    }
    stopping = true;
    process.stderr.write(`\nlosslens: interrupted (${sig}); finished parts are kept, nothing half-written remains\n`);
    void runInterruptHooks(sig).finally(() => process.exit(130));
  });
}

try {
  await yargs(joinNegativeValues(hideBin(process.argv), ['--range', '--y-range', '--slice-range']))
    .scriptName('losslens')
    .version(VERSION)
    .usage('$0 <command> [options]\n\nLook inside the loss landscape of trained TensorFlow.js models.')
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress output on stderr', global: true })
    .option('verbose', { type: 'boolean', default: false, describe: 'show stacks on errors', global: true })
    .command(COMMANDS)
    .demandCommand(1, 'name a command (see --help)')
    .strictCommands()
    .strictOptions()
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .middleware((argv) => checkOptionLimits(argv))
    .fail((msg, err) => {
      if (err) throw err;
      // yargs writes e.g. "Invalid values:\n  Argument: backend, Given: \"gpu\", Choices: ..." — keep it on one line
      throw new LosslensError(
        'BAD_OPTION',
        msg
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)
          .join(' '),
      );
    })
    .parseAsync();
} catch (err) {
  fail(err);
}
