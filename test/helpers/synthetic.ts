/**
 * The synthetic handler (./synthetic-handler.ts) registered in this process only: shipped workers
 * never know it, so no Redis job can select it there. Tests import SYNTHETIC from here.
 */
import { registerHandler } from '../../src/studies/executors/redis.js';

export const SYNTHETIC = registerHandler('synthetic', new URL('./synthetic-handler.ts', import.meta.url));
