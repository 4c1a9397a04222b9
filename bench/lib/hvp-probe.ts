/**
 * A few exact HVPs over a dataset through the library, as `losslens hessian` makes them
 * (loadProblem → objective.hvp), for the memory bench: its peak RSS is what a Hessian run costs
 * beyond the HVP count. Prints one JSON line {n, hvps, seconds}.
 *
 *   node --import tsx bench/lib/hvp-probe.ts MODEL DATA SAMPLES HVPS
 */
import { loadProblem } from '../../src/problem.js';
import { createRng } from '../../src/random.js';

const [model, data, samples, hvps] = process.argv.slice(2);
const problem = await loadProblem({ model, train: { data, samples: Number(samples) < 60000 ? Number(samples) : undefined }, backend: 'auto' });
try {
  const obj = problem.train!.objective;
  const rng = createRng(1);
  const v = Float32Array.from({ length: obj.layout.dim }, () => rng.normal());
  const t0 = Date.now();
  for (let i = 0; i < Number(hvps); i++) await obj.hvp(obj.theta0, v);
  console.log(JSON.stringify({ n: obj.n, hvps: Number(hvps), seconds: (Date.now() - t0) / 1000 }));
} finally {
  await problem.dispose();
}
