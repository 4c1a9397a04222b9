/**
 * Which model input or output a named array feeds, for data with several of them: a file
 * `<name>.npy` (or CSV columns `<name>:…`) whose name is a model input or output name, or
 * `x_<input>` / `y_<output>` (the only form that needs no model to read). Names that match
 * nothing, an array given twice, and a model input or used output without an array are refused
 * naming the folder or file.
 */
import { inputError } from '../errors.js';
import type { ModelIONames } from './types.js';

export interface NamedArray<T> {
  role: 'input' | 'target';
  name: string;
  item: T;
  label: string;
}

/** The role of array `stem`, or a refusal naming `where`. */
function roleOf(stem: string, io: ModelIONames | undefined, where: string, ext: string): { role: 'input' | 'target'; name: string } {
  if (io?.inputs.includes(stem)) return { role: 'input', name: stem };
  if (io?.outputs.includes(stem)) return { role: 'target', name: stem };
  const m = /^([xy])_(.+)$/.exec(stem);
  if (m && (!io || (m[1] === 'x' ? io.inputs : io.outputs).includes(m[2]!))) return { role: m[1] === 'x' ? 'input' : 'target', name: m[2]! };
  const known = io
    ? `; the model's inputs: ${io.inputs.join(', ')}; outputs: ${io.outputs.join(', ')}`
    : '; without a model, name arrays x_<input> and y_<output>';
  throw inputError(where, `"${stem}${ext}" names neither a model input nor an output${known}`);
}

/** Arrays by role in the model's order; `items` maps each stem to what was read for it. */
export function assignRoles<T>(
  items: Map<string, T>,
  io: ModelIONames | undefined,
  where: string,
  ext: string,
): { inputs: NamedArray<T>[]; targets: NamedArray<T>[] } {
  const byName = new Map<string, NamedArray<T>>();
  for (const [stem, item] of items) {
    const r = roleOf(stem, io, where, ext);
    const key = `${r.role}:${r.name}`;
    if (byName.has(key))
      throw inputError(where, `${r.role === 'input' ? 'input' : 'output'} "${r.name}" is given twice ("${byName.get(key)!.label}" and "${stem}${ext}")`);
    byName.set(key, { ...r, item, label: `${stem}${ext}` });
  }
  const used = io ? (io.used ?? io.outputs) : undefined;
  const inputs = io ? io.inputs.map((n) => need(byName, 'input', n, where, ext)) : [...byName.values()].filter((a) => a.role === 'input');
  const targets = used ? used.map((n) => need(byName, 'target', n, where, ext)) : [...byName.values()].filter((a) => a.role === 'target');
  if (inputs.length === 0 || targets.length === 0)
    throw inputError(where, `needs at least one input array and one target array (found ${[...byName.values()].map((a) => a.label).join(', ') || 'none'})`);
  return { inputs, targets };
}

function need<T>(byName: Map<string, NamedArray<T>>, role: 'input' | 'target', name: string, where: string, ext: string): NamedArray<T> {
  const a = byName.get(`${role}:${name}`);
  if (a) return a;
  const what = role === 'input' ? `model input "${name}"` : `model output "${name}"`;
  const names =
    ext === '.npy' ? `${name}.npy or ${role === 'input' ? 'x' : 'y'}_${name}.npy` : `columns ${name}:… or ${role === 'input' ? 'x' : 'y'}_${name}:…`;
  throw inputError(where, `no array for ${what} (expected ${names})`);
}
