/**
 * Execution order of a layer graph, and the check that every layer feeds the model's output.
 * Both walk the graph with explicit stacks, not recursion: a valid Keras chain of 10 000 layers,
 * listed in any order, must not overflow the call stack.
 */
import { inputError } from '../errors.js';
import { refLayer } from './model-endpoints.js';

interface GraphNode {
  name: string;
  className: string;
  inputs: string[];
}

/** `nodes` in an order where each node follows the nodes it reads ("" and "\u0000input<k>" are the model inputs). */
export function topoOrder<N extends GraphNode>(nodes: N[], file: string): N[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const state = new Map<string, 'open' | 'done'>([['', 'done']]);
  const out: N[] = [];
  for (const root of nodes) {
    if (state.has(root.name)) continue;
    state.set(root.name, 'open');
    const stack: { node: N; next: number }[] = [{ node: root, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next === top.node.inputs.length) {
        stack.pop();
        state.set(top.node.name, 'done');
        out.push(top.node);
        continue;
      }
      const i = refLayer(top.node.inputs[top.next++]); // a state key (an RNN's initial state) waits for its layer
      const seen = i.startsWith('\u0000input') ? 'done' : state.get(i); // a second or later model input (model-endpoints.ts)
      if (seen === 'done') continue;
      if (seen === 'open') throw inputError(file, `topology has a cycle at layer "${i}"`);
      const dep = byName.get(i);
      if (!dep) throw inputError(file, `layer "${top.node.name}" takes input from unknown layer "${i}"`);
      state.set(i, 'open');
      stack.push({ node: dep, next: 0 });
    }
  }
  return out;
}

/**
 * Refuse a layer whose result never reaches `output` (the layer named in output_layers): Keras
 * lists only the layers between a model's inputs and outputs, so such a layer means the endpoints
 * point elsewhere than the graph. `order` is topological, so a reverse sweep sees every reader first.
 */
export function checkFeedsOutput(order: GraphNode[], outputs: string | string[], file: string): void {
  const needed = new Set(typeof outputs === 'string' ? [outputs] : outputs);
  const output = [...needed].join('", "');
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k];
    if (!needed.has(n.name)) {
      throw inputError(
        file,
        `output_layers names layer "${output}", but layer "${n.name}" (${n.className}) does not lead to it; the model's output is the layer output_layers names, and every layer must lead to it`,
      );
    }
    for (const i of n.inputs) needed.add(refLayer(i));
  }
}
