/**
 * Each layer's weights matched to the checkpoint's weightsManifest. A layer is found under its
 * path or any tail of it — "sequential_1/dense_Dense1/kernel" as some tfjs exports name a nested
 * model's weights, "dense_Dense1/kernel" as tfjs-layers and the Keras converters usually do — or
 * under a longer name holding the layer's own name ("model/dense/kernel"). A name the manifest
 * lists twice is taken in the manifest's order; a weight that matches no name falls back to the
 * next unused one (old exports list weights in layer order).
 */
import type { CheckpointWeight } from '../io/types.js';
import { inputError } from '../errors.js';
import { LAYER_OPS, cfg } from './layer-ops.js';
import type { LayerNode } from './architecture.js';

export function assignWeights(nodes: LayerNode[], weights: CheckpointWeight[], file: string): void {
  const byName = new Map<string, number[]>();
  weights.forEach((w, i) => {
    if (w.spec.group === 'optimizer') return;
    const name = w.spec.name.replace(/:0$/, '');
    byName.set(name, [...(byName.get(name) ?? []), i]);
  });
  // optimizer state (saved with includeOptimizer) is never a layer weight
  const used = new Set<number>(weights.flatMap((w, i) => (w.spec.group === 'optimizer' ? [i] : [])));
  let cursor = 0;
  for (const node of nodes) {
    if (node.sharesWeightsOf !== undefined) continue; // a shared layer's later call: its first call's weights, below
    const frozen = cfg<boolean>(node.config, 'trainable', true) === false;
    for (const decl of LAYER_OPS[node.className].params(node.config)) {
      let idx = lookup(byName, used, node.name, decl.param);
      if (idx === undefined) {
        while (used.has(cursor)) cursor++;
        idx = cursor; // positional fallback: the manifest lists weights in layer order
      }
      const w = weights[idx];
      if (!w) throw inputError(file, `weightsManifest has no weight for ${node.name}/${decl.param}`);
      used.add(idx);
      node.weights.push({ ...decl, trainable: decl.trainable && !frozen, index: idx, name: w.spec.name, shape: w.spec.shape });
    }
  }
  const byNode = new Map(nodes.map((n) => [n.name, n]));
  for (const node of nodes) if (node.sharesWeightsOf !== undefined) node.weights.push(...byNode.get(node.sharesWeightsOf)!.weights);
  const unused = weights.filter((w, i) => !used.has(i) && w.spec.group !== 'optimizer');
  if (unused.length > 0) {
    const extra = unused.map((w) => w.spec.name);
    throw inputError(file, `weightsManifest lists weights no layer uses: ${extra.slice(0, 5).join(', ')}`);
  }
}

/** The first unused manifest index for `path`/`param`: the whole path, then each shorter tail, then any name holding the layer's own name. */
function lookup(byName: Map<string, number[]>, used: Set<number>, path: string, param: string): number | undefined {
  const free = (ids: number[] | undefined) => ids?.find((i) => !used.has(i));
  const parts = path.split('/');
  for (let k = 0; k < parts.length; k++) {
    const hit = free(byName.get(`${parts.slice(k).join('/')}/${param}`));
    if (hit !== undefined) return hit;
  }
  const own = parts[parts.length - 1];
  for (const [name, ids] of byName) {
    const t = name.split('/');
    if (t.length >= 2 && t[t.length - 1] === param && t.slice(0, -1).includes(own)) {
      const hit = free(ids);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}
