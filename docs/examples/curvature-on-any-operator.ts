/**
 * The curvature routines take any symmetric operator given as a matrix-vector product, not only a
 * Hessian: here a 200×200 matrix with a known spectrum (a random rotation of a diagonal), so the
 * answers can be checked exactly.
 * Run: npx tsx docs/examples/curvature-on-any-operator.ts
 */
import { rotatedSpectrumOperator, extremeEigenpairs, lanczos } from 'losslens/curvature';

const lambdas = Array.from({ length: 200 }, (_, i) => (i === 0 ? -3 : i === 199 ? 50 : 1 + i / 20));
const op = rotatedSpectrumOperator(lambdas, 7);

const eig = await extremeEigenpairs(op.matvec, op.dim, { top: 2, bottom: 1, seed: 0 });
console.log(`top = ${eig.top.values.join(' ')}`);
console.log(`bottom = ${eig.bottom.values.join(' ')}`);
console.log(`matvecs = ${eig.matvecs}`);

const plain = await lanczos(op.matvec, op.dim, { maxIter: 40, seed: 0 });
console.log(`lanczos λmax = ${Math.max(...plain.ritzValues)}`);
