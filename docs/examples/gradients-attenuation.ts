/**
 * Vanishing gradients, measured: ten sigmoid layers initialised with small weights pass back a
 * gradient that shrinks by a roughly constant factor per layer. The profile gives ‖∂L/∂W_k‖ per
 * layer, their ratio first/last, and findings in words.
 * Run: npx tsx docs/examples/gradients-attenuation.ts
 */
import { loadProblem } from 'losslens';
import { analyzeGradients } from 'losslens/gradients';

const problem = await loadProblem({ model: 'fixtures/deep-sigmoid', train: { data: 'fixtures/deep-data' } });
try {
  // one batch of all 512 samples: the full-batch gradient
  const g = await analyzeGradients(problem.model, problem.train!.prepared, { batches: 1, batchSize: 512 });
  const w = g.attenuation.weights;
  for (const [i, layer] of w.layers.entries()) console.log(`‖∂L/∂W‖ ${layer} = ${w.norms[i]}`);
  console.log(`first/last = ${w.overall}`);
  console.log(`per layer = ${w.perLayer}`);
  for (const f of g.findings) console.log(`finding ${f.code}: ${f.message}`);
} finally {
  await problem.dispose();
}
