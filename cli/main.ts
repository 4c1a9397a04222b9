/**
 * The losslens command line. The only place that maps errors to exit codes and calls
 * process.exit: 2 for bad input or options, 130 when interrupted, 1 for internal faults.
 */
import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { exitCodeFor, LosslensError } from '../src/errors.js';
import { VERSION } from '../src/version.js';
import { runInterruptHooks } from './cleanup.js';
import * as info from './commands/info.js';
import * as evalCmd from './commands/eval.js';

const verbose = process.argv.includes('--verbose');

function fail(err: unknown): never {
  const code = exitCodeFor(err);
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`losslens: ${code === 1 && !(err instanceof LosslensError) ? 'internal error: ' : ''}${msg.split('\n')[0]}\n`);
  if (verbose && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  else if (code === 1) process.stderr.write('(run with --verbose for the stack)\n');
  process.exit(code);
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    process.stderr.write(`\nlosslens: interrupted (${sig}); finished parts are kept, nothing half-written remains\n`);
    void runInterruptHooks().finally(() => process.exit(130));
  });
}

try {
  await yargs(hideBin(process.argv))
    .scriptName('losslens')
    .version(VERSION)
    .usage('$0 <command> [options]\n\nLook inside the loss landscape of trained TensorFlow.js models.')
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress output on stderr', global: true })
    .option('verbose', { type: 'boolean', default: false, describe: 'show stacks on errors', global: true })
    .command(info as unknown as CommandModule)
    .command(evalCmd as unknown as CommandModule)
    .demandCommand(1, 'name a command (see --help)')
    .strictCommands()
    .strictOptions()
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw new LosslensError('BAD_OPTION', msg);
    })
    .parseAsync();
} catch (err) {
  fail(err);
}
