/**
 * Defaults of `losslens saddle-dynamics` beyond the step rules' (dynamics-options.ts): the start,
 * the methods and the index. Light: the CLI reads them at start-up.
 */
import { DYNAMICS_DEFAULTS, DYNAMICS_METHODS } from './dynamics-options.js';

export const SADDLE_DYNAMICS_DEFAULTS = {
  ...DYNAMICS_DEFAULTS,
  start: 'small-init' as const,
  init: 'topology',
  initScale: 1e-3,
  seed: 0,
  methods: DYNAMICS_METHODS.join(','),
  evalBatchSize: 512,
  taus: [1e-3, 1e-4],
  saddleMethod: 'auto' as const,
};
