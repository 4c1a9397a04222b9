/**
 * The curvature routines on an objective's Hessian-vector product: Hutchinson's trace estimate
 * with its standard error, and the SLQ spectral density, whose Gaussian quadrature nodes are the
 * eigenvalues when its order reaches the dimension (6 parameters here).
 * Run: npx tsx docs/examples/trace-and-density.ts
 */
import { loadProblem } from 'losslens';
import { hessianMatVec, hutchinsonTrace, slqDensity } from 'losslens/curvature';

const problem = await loadProblem({ model: 'fixtures/linreg', train: { data: 'fixtures/linreg/data.csv' } });
try {
  const objective = problem.train!.objective;
  const { matvec } = hessianMatVec(objective, objective.theta0);
  const dim = objective.layout.dim;

  const trace = await hutchinsonTrace(matvec, dim, { probes: 200, seed: 1 });
  console.log(`trace = ${trace.estimate} ± ${trace.stderr}`);

  const density = await slqDensity(matvec, dim, { order: dim, probes: 1, seed: 2 });
  console.log(`nodes = ${density.nodes[0].map((x) => x.toPrecision(6)).join(' ')}`);
} finally {
  await problem.dispose();
}
