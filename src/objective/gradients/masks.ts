/**
 * Zero gradients for the kernels that stock gradient formulas use to build masks
 * (comparisons, logical ops, step functions). Their outputs are piecewise constant, so the
 * exact derivative is zero almost everywhere; registering it lets the outer backprop of a
 * double-backprop pass walk through a first-order gradient that contains a mask, treating
 * the mask as the constant it is (stock tfjs throws "gradient function not found").
 */
import tf from '../../tf.cjs';

/** Binary mask kernels: inputs {a, b}. */
const BINARY = ['Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual', 'LogicalAnd', 'LogicalOr'];
/** Unary mask kernels: input {x}. (Stock tfjs already has zero gradients for some; ours are the same.) */
const UNARY = ['LogicalNot', 'Step', 'Sign', 'Floor', 'Ceil', 'Round', 'ArgMax', 'ArgMin', 'IsNan', 'IsFinite', 'IsInf', 'OnesLike', 'ZerosLike'];

const zerosOf = (t: tf.Tensor) => () => tf.zeros(t.shape, 'float32');

export const MASK_KERNELS: string[] = [...BINARY, ...UNARY];

export function registerMaskGradients(): void {
  for (const kernelName of BINARY) {
    tf.registerGradient({
      kernelName,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy, saved) => ({ a: zerosOf(saved[0]), b: zerosOf(saved[1]) }),
    });
  }
  for (const kernelName of UNARY) {
    tf.registerGradient({ kernelName, inputsToSave: ['x'], gradFunc: (_dy, saved) => ({ x: zerosOf(saved[0]) }) });
  }
}
