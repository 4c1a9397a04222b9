/** The engine (backend, second-order gradient registrations, PROD mode) and the backend table. */
export { startEngine, stopEngine, currentEngine, requireEngine, selectBackend, type Engine, type EngineOptions } from './engine.js';
export { BACKEND_NAMES, activeBackend, type BackendName, type BackendInfo } from './backend.js';
