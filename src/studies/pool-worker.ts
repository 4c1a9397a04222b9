/**
 * Entry of one LocalPool worker thread: loads the handler module named in workerData (its own
 * tfjs instance lives here) and answers {task} messages with {id, output} or {id, error}. The
 * envelope's native thread count is applied before the handler runs, whatever the task's kind.
 * Float32Array attachments travel back as transferred buffers (no copy).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { errorInfo, isTaskOutput, loadHandler, type TaskEnvelope } from './task-handler.js';
import { applyNativeThreads } from './native-thread-count.js';

const port = parentPort!;
const handler = loadHandler((workerData as { handler: string }).handler);
handler.catch(() => undefined); // reported per task below

port.on('message', async (msg: { task: TaskEnvelope }) => {
  const { task } = msg;
  try {
    await applyNativeThreads(task.nativeThreads);
    const output = await (await handler)(task.kind, task.config, {});
    port.postMessage({ id: task.id, output }, transferables(output));
  } catch (err) {
    port.postMessage({ id: task.id, error: errorInfo(err) });
  }
});

function transferables(output: unknown): ArrayBuffer[] {
  if (!isTaskOutput(output)) return [];
  const out = new Set<ArrayBuffer>();
  for (const a of Object.values(output.attachments ?? {})) if (a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  return [...out];
}
