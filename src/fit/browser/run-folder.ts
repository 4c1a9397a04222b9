/**
 * The run folder in the browser bundle (swapped for src/fit/run-folder.ts by scripts/build-browser.mjs): a page
 * has no file system, so `out` is refused before the first batch, naming what to use instead.
 */
import { optionError } from '../../errors.js';

const refuse = (): never => {
  throw optionError('out', 'a run folder needs Node; in a browser pass onMeasurement (each record) and read callback.figureSpecs() at the end');
};

export const writeRunInfo = refuse;
export const resetMeasurements = refuse;
export const appendRecord = refuse;
export const saveStepCheckpoint = refuse;
export const writeFigures = refuse;
export const writeSummary = refuse;
