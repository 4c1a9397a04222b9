/** The probe batch as the objective's PreparedData: copied out of the user's tensors once, checked against the model. */
import type { ModelBundle } from '../objective/model-bundle.js';
import { prepareData, type PreparedData } from '../objective/prepare-data.js';
import { isMultiIO } from '../model/architecture.js';
import { optionError } from '../errors.js';
import type { Dataset, LabelKind } from '../io/types.js';
import type { FitProbe } from './options.js';

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** How the probe's targets are read: class indices ([n] or [n, 1] for a wider output), else one-hot rows or float targets. */
function labelKind(yShape: number[], bundle: ModelBundle): LabelKind {
  const width = prod(yShape);
  if (width !== bundle.outDim && (yShape.length === 0 || width === 1) && bundle.outDim > 1) return 'class-index';
  return bundle.loss.toLowerCase().includes('categorical') ? 'one-hot' : 'float';
}

/** The probe checked against the model's input shape and output width (a LosslensError naming `probe` when it does not fit). */
export function probeData(probe: FitProbe, bundle: ModelBundle): PreparedData {
  if (isMultiIO(bundle.arch)) throw optionError('probe', 'the callback takes models with one input and one output');
  const xShape = probe.x.shape.slice(1),
    yShape = probe.y.shape.slice(1);
  const want = bundle.arch.inputShape;
  if (prod(xShape) !== prod(want)) throw optionError('probe', `x has samples of shape [${xShape}] but the model takes [${want}]`);
  const kind = labelKind(yShape, bundle);
  if (kind !== 'class-index' && prod(yShape) !== bundle.outDim) {
    throw optionError('probe', `y has targets of shape [${yShape}] but the model's output has ${bundle.outDim} values a sample`);
  }
  const ds: Dataset = {
    source: 'option probe',
    n: probe.x.shape[0]!,
    xShape,
    x: Float32Array.from(probe.x.dataSync()),
    yShape: kind === 'class-index' ? [] : yShape,
    y: Float32Array.from(probe.y.dataSync()),
    labelKind: kind,
  };
  return prepareData(ds, want, bundle.outDim, bundle.loss, bundle.outClasses);
}
