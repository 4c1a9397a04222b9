// Preloaded (node --import) into a CLI that a crash-safety test spawns (pausedCliArgv in run-cli.ts):
// at each commit phase named in this module's URL (?at=<phase>[,<phase>…]&ms=<n>) it prints
// `losslens-test: paused at <phase>` on stderr and waits ms milliseconds, so the test can send
// SIGINT or SIGKILL inside that exact window. It observes the CLI's own module instance of
// dist/src/io/commit-phases.js (the CLI runs on dist/).
import { observeCommitPhases } from '../../dist/src/io/commit-phases.js';

const query = new URL(import.meta.url).searchParams;
const at = (query.get('at') ?? '').split(',').filter(Boolean);
const ms = Number(query.get('ms') ?? 3000);

observeCommitPhases(async (phase) => {
  if (!at.includes(phase)) return;
  process.stderr.write(`losslens-test: paused at ${phase}\n`);
  await new Promise((resolve) => setTimeout(resolve, ms));
});
