/**
 * The losslens engine around one measurement, never around the user's training batches. Its
 * second-order gradient registrations are process-wide: installed during fit they would be the
 * gradients the user's optimizer steps use too. So when no engine runs, each measurement starts it
 * on the backend tfjs already uses (never another) and stops it afterwards, putting back the
 * registrations and the PROD flag found. An engine the caller started stays as it is.
 */
import tf from '../tf.cjs';
import { currentEngine, startEngine, stopEngine } from '../engine/engine.js';
import { unsupportedError } from '../errors.js';
import { SCOPED_BACKENDS } from './scoped-backends.js';

/** Run `fn` with the engine on tfjs' current backend (`name`); started and stopped around it unless it already ran. */
export async function withMeasurementEngine<T>(fn: () => Promise<T>, name: string = tf.getBackend()): Promise<T> {
  const running = currentEngine();
  if (running) {
    if (running.backend.name !== name)
      throw unsupportedError(`lossLensCallback: the losslens engine runs on ${running.backend.name} but tfjs trains on ${name}`);
    return fn();
  }
  if (!SCOPED_BACKENDS.includes(name)) {
    throw unsupportedError(
      `lossLensCallback on the ${name} backend: call startEngine({ backend: '${name}' }) before model.fit, so that losslens' ${name} kernels (process-wide) serve the whole training and not only the measurements`,
    );
  }
  await startEngine({ backend: name });
  try {
    return await fn();
  } finally {
    stopEngine();
  }
}
