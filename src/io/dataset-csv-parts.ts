/**
 * A CSV table holding several model inputs and outputs, its columns grouped by prefix: the
 * columns `<name>:<anything>` (in header order) form the array named `<name>`, and a column
 * without a colon is a one-column array of its own name; dataset-roles.ts says which name feeds
 * which model input or output. Each array's per-sample shape is [its column count]: the model
 * input's shape takes it when the sizes agree.
 */
import { inputError } from '../errors.js';
import { buildPartsDataset, targetKind } from './dataset-build.js';
import { parseCsvTable } from './dataset-csv.js';
import { assignRoles, type NamedArray } from './dataset-roles.js';
import { sharedFloat32 } from './sample-rows.js';
import type { DataPart, Dataset, ModelIONames } from './types.js';

/** Whether a CSV header is read by prefix: some column has a colon, or the model has several inputs or outputs. */
export function csvByPrefix(header: string[], io: ModelIONames | undefined): boolean {
  return header.some((h) => h.includes(':')) || (io !== undefined && (io.inputs.length > 1 || io.outputs.length > 1));
}

/** The dataset of `file`'s text, its arrays grouped by column prefix. */
export function csvPartsDataset(text: string, file: string, io: ModelIONames | undefined): Dataset {
  const t = parseCsvTable(text, file);
  const groups = new Map<string, number[]>();
  t.header.forEach((h, i) => {
    const name = h.includes(':') ? h.slice(0, h.indexOf(':')) : h;
    if (name === '') throw inputError(file, `column "${h}" has no array name before its colon`);
    groups.set(name, [...(groups.get(name) ?? []), i]);
  });
  const { inputs, targets } = assignRoles(groups, io, file, ':…');
  const part = (a: NamedArray<number[]>, input: boolean): DataPart => {
    const cols = a.item,
      w = cols.length,
      v = sharedFloat32(t.n * w);
    for (let r = 0; r < t.n; r++) for (let j = 0; j < w; j++) v[r * w + j] = t.values[r * t.header.length + cols[j]!]!;
    const source = `${file} (columns ${a.label})`;
    if (input) return { name: a.name, source, shape: [w], values: v, divisor: 1, labelKind: 'float' };
    const kind = targetKind(t.n, w === 1 ? [] : [w], v);
    return { name: a.name, source, shape: kind.yShape, values: v, labelKind: kind.labelKind };
  };
  return buildPartsDataset(
    file,
    t.n,
    inputs.map((a) => part(a, true)),
    targets.map((a) => part(a, false)),
  );
}
