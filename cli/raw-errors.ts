/**
 * Errors that reach the edge without a losslens code but are the input's fault: tfjs/XNNPACK
 * kernels refusing shapes a model's config and weights (or data) imply, allocation failures of
 * inputs too large, and recursion overflow on deeply nested input. They become one-line input
 * errors (exit 2) naming the model; anything else stays an internal error (exit 1).
 */
import { LosslensError } from '../src/errors.js';

const SHAPE_FAULT = [
  /^Error in \w+/, // tfjs op validation: "Error in conv2d: depth of input (3) must match…"
  /XNN status \d+/,
  /Operands could not be broadcast/,
  /inner shapes .* must match/i,
  /Based on the provided shape/,
  /must match (the )?(input|filter|product)/i,
  /Input shape .* incompatible/i,
];
const RESOURCE_FAULT = [/Array buffer allocation failed/, /Invalid (typed )?array length/, /Cannot create a string longer/, /out of memory/i];

/** The --model (or --from) value as typed, to name in the message. */
function modelArg(argv: string[]): string | undefined {
  for (const flag of ['--model', '-m', '--from']) {
    const i = argv.indexOf(flag);
    if (i >= 0 && argv[i + 1]) return argv[i + 1];
    const eq = argv.find((a) => a.startsWith(`${flag}=`));
    if (eq) return eq.slice(flag.length + 1);
  }
  return undefined;
}

export function rawErrorAsInput(err: unknown, argv: string[] = process.argv.slice(2)): unknown {
  if (err instanceof LosslensError || !(err instanceof Error)) return err;
  const msg = err.message.split('\n')[0];
  const model = modelArg(argv) ?? 'the model';
  if (err instanceof RangeError && /Maximum call stack size exceeded/.test(msg)) {
    return new LosslensError('BAD_INPUT', `${model}: an input file is nested too deeply to process`, { cause: err });
  }
  if (RESOURCE_FAULT.some((re) => re.test(msg))) {
    return new LosslensError(
      'BAD_INPUT',
      `${model}: the model or data needs more memory than is available (${msg}); use fewer --samples or a smaller --batch-size`,
      { cause: err },
    );
  }
  if (SHAPE_FAULT.some((re) => re.test(msg))) {
    return new LosslensError(
      'BAD_INPUT',
      `${model}: the model's layers, weights and data do not fit together (tfjs: ${msg}); check the layer configs against the weight shapes and the data's shape`,
      { cause: err },
    );
  }
  return err;
}
