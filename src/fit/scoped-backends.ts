/**
 * Backends on which the losslens engine installs no kernels of its own, so that the callback may start it just
 * for a measurement and stop it after (its gradient registrations come and go). On wasm in Node the engine
 * installs losslens' wasm and native kernels, process-wide: there the user starts it before model.fit.
 */
export const SCOPED_BACKENDS: readonly string[] = ['cpu', 'tensorflow'];
