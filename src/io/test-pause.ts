/**
 * A test hook: with LOSSLENS_TEST_PAUSE_AT=<phase>[,<phase>…] set, the named phase of a report
 * commit prints `losslens-test: paused at <phase>` on stderr and waits LOSSLENS_TEST_PAUSE_MS
 * (default 3000) ms, so a test can send SIGINT or SIGKILL inside that exact window. Phases:
 * `write:<file>` (after a report file is written), `commit` (commit started), `manifest` (manifest
 * written), `aside` (old report moved aside, new one not yet in place), `renamed` (new report in
 * place, old one not yet deleted). Without the variable it costs nothing.
 */
import { readConfig } from '../config.js';

export async function testPause(phase: string): Promise<void> {
  const pause = readConfig().testPause;
  if (!pause?.at.includes(phase)) return;
  process.stderr.write(`losslens-test: paused at ${phase}\n`);
  await new Promise((r) => setTimeout(r, pause.ms));
}
