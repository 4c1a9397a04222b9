/**
 * The extreme eigenvalues of the Hessian at a trained minimum: λmax (sharpness) and λmin (is it a
 * minimum at all?), each with its residual ‖Hv − λv‖. For linear regression with squared error
 * the Hessian is exactly 2·X̃ᵀX̃/N, so these are checkable by hand (test/examples.test.ts does).
 * Run: npx tsx docs/examples/hessian-top-eigenvalues.ts
 */
import { loadProblem, analyzeHessian } from 'losslens';

const problem = await loadProblem({ model: 'fixtures/linreg', train: { data: 'fixtures/linreg/data.csv' } });
try {
  const h = await analyzeHessian(problem.train!.objective, { top: 2, bottom: 1, density: false });
  console.log(`loss = ${h.loss}`);
  console.log(`λmax = ${h.eigenvalues.top[0]}`);
  console.log(`λ2 = ${h.eigenvalues.top[1]}`);
  console.log(`λmin = ${h.eigenvalues.bottom[0]}`);
  console.log(`condition number = ${h.conditionNumbers.kappa}`);
} finally {
  await problem.dispose();
}
