/**
 * A worker thread of test/native-concurrency.test.ts: starts the engine on wasm (the native kernels),
 * loading the main thread's addon file and setting its native thread count, waits for the go, then posts its loss/gradient/HVP rounds.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startEngine } from '../../src/engine/index.js';
import { loadNativeAddon, setNativeAddonFile } from '../../src/kernels/native-addon.js';
import type { Checkpoint } from '../../src/io/types.js';
import type { PreparedData } from '../../src/objective/prepare-data.js';
import { runRounds } from './native-concurrency-net.js';

const { checkpoint, data, threads, rounds, addonFile } = workerData as {
  checkpoint: Checkpoint;
  data: PreparedData;
  threads: number;
  rounds: number;
  addonFile: string;
};
const port = parentPort!;
setNativeAddonFile(addonFile); // the main thread's build (a test variant's too)
await startEngine({ backend: 'wasm' });
loadNativeAddon().addon?.setThreads(threads);
port.postMessage({ ready: true });
port.once('message', () => {
  runRounds(checkpoint, data, rounds).then(
    (results) => port.postMessage({ results }),
    (err: Error) => port.postMessage({ error: err.stack ?? String(err) }),
  );
});
