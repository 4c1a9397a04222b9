/**
 * Weight regularizers as the checkpoint's topology declares them (Keras 2/3 and tfjs-layers
 * serializations), matched to θ's layout blocks. A weight regularizer is a function of θ alone
 * (L1: l1·Σ|w|, L2: l2·Σw², L1L2: both; no ½, as Keras and tfjs-layers compute it), so the
 * objective can add it in float64 on the flat θ (regularized-objective.ts).
 *
 * Only trainable weights count (they are θ; Keras 3 gathers regularization losses from
 * trainable weights only). Activity regularizers depend on activations and are listed
 * separately: the objective refuses them by name (tfjs-layers cannot run them either).
 */
import { LosslensError, inputError } from '../errors.js';
import type { ParamLayout } from '../objective/types.js';
import type { Architecture } from './architecture.js';

/** One penalty on one layout block. */
export interface RegularizerTerm {
  layer: string;
  /** The weight (layout block name), e.g. "dense_1/kernel". */
  weight: string;
  /** The config field it came from, e.g. "kernel_regularizer". */
  field: string;
  /** Index of the block in layout.blocks. */
  block: number;
  l1: number;
  l2: number;
}

export interface ActivityRegularizer {
  layer: string;
  l1: number;
  l2: number;
}

export interface Regularization {
  terms: RegularizerTerm[];
  activity: ActivityRegularizer[];
  /** Regularizer fields that could not be read (unknown class, bad factor); the objective refuses them. */
  problems: LosslensError[];
}

/** The config field that regularizes weight `param`: kernel → kernel_regularizer, depthwise_kernel → depthwise_regularizer. */
export function regularizerField(param: string): string {
  return `${param.replace(/_kernel$/, '')}_regularizer`;
}

/** Every weight and activity regularizer of `arch`, with trainable weights matched to `layout`'s blocks. */
export function findRegularizers(arch: Architecture, layout: ParamLayout, file: string): Regularization {
  const blockOf = new Map(layout.blocks.map((b, i) => [`${b.layer}\u0000${b.name}`, i]));
  const terms: RegularizerTerm[] = [];
  const activity: ActivityRegularizer[] = [];
  const problems: LosslensError[] = [];
  const read = (config: unknown, field: string, layer: string) => {
    try {
      const r = parseRegularizer(fieldValue(config, field), file, `layer "${layer}" ${field}`);
      return r && (r.l1 !== 0 || r.l2 !== 0) ? r : null;
    } catch (err) {
      if (!(err instanceof LosslensError)) throw err;
      problems.push(err);
      return null;
    }
  };
  for (const node of arch.nodes) {
    for (const w of node.weights) {
      const field = regularizerField(w.param);
      const spec = read(node.config, field, node.name);
      const block = blockOf.get(`${node.name}\u0000${w.name}`);
      // a frozen weight is not in θ: its penalty is a constant of the objective, left out
      if (spec && block !== undefined) terms.push({ layer: node.name, weight: w.name, field, block, ...spec });
    }
    const act = read(node.config, 'activity_regularizer', node.name);
    if (act) activity.push({ layer: node.name, ...act });
  }
  return { terms, activity, problems };
}

function fieldValue(config: any, snake: string): unknown {
  const camel = snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return config?.[snake] ?? config?.[camel];
}

/**
 * Factors used when a field is absent: Keras' L1(0.01) and L2(0.01), tfjs-layers' L1L2 (0.01, 0.01).
 * Keras always writes its factors, so these matter only for tfjs configs and bare identifiers.
 */
const DEFAULTS: Record<string, { l1: number; l2: number }> = {
  l1: { l1: 0.01, l2: 0 },
  l2: { l1: 0, l2: 0.01 },
  l1l2: { l1: 0.01, l2: 0.01 },
};

/**
 * A serialized regularizer → its factors, or null for none. Accepts
 * `{class_name: 'L2', config: {l2}}` (Keras 2.5+), `{class_name: 'L1L2', config: {l1, l2}}` (Keras 2,
 * tfjs-layers), `{className, config}` (tfjs in memory), Keras 3's `{module, class_name, config,
 * registered_name}`, and the bare identifiers "l1", "l2", "l1_l2", "l1l2".
 */
export function parseRegularizer(value: unknown, file: string, where: string): { l1: number; l2: number } | null {
  if (value === undefined || value === null) return null;
  let name: string;
  let config: Record<string, unknown> = {};
  if (typeof value === 'string') name = value;
  else if (typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    const cls = v.class_name ?? v.className;
    if (typeof cls !== 'string') throw badRegularizer(file, where, `${JSON.stringify(value).slice(0, 80)} (no class_name)`);
    name = cls;
    if (v.config != null && typeof v.config === 'object') config = v.config as Record<string, unknown>;
  } else throw badRegularizer(file, where, JSON.stringify(value));
  const key = name.replace(/[_\s]/g, '').toLowerCase();
  const base = Object.hasOwn(DEFAULTS, key) ? DEFAULTS[key] : undefined;
  if (!base) throw badRegularizer(file, where, `class "${name}"`);
  const factor = (k: 'l1' | 'l2'): number => {
    const x = config[k];
    if (x === undefined || x === null) return base[k];
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0)
      throw badRegularizer(file, where, `${name} with ${k} = ${JSON.stringify(x)} (must be a finite number ≥ 0)`);
    return x;
  };
  // Keras' own L1 and L2 classes have only their own factor.
  if (key === 'l1') return { l1: factor('l1'), l2: 0 };
  if (key === 'l2') return { l1: 0, l2: factor('l2') };
  return { l1: factor('l1'), l2: factor('l2') };
}

function badRegularizer(file: string, where: string, what: string) {
  return inputError(file, `${where}: unsupported regularizer ${what}; supported: L1, L2, L1L2 (or pass --no-regularizers to analyse the data term alone)`);
}

/** "L2(0.001) on dense/kernel, dense_1/kernel; L1(0.01) on dense/bias" — the terms grouped by kind and factor. */
export function describeTerms(terms: RegularizerTerm[]): string {
  const groups = new Map<string, string[]>();
  for (const t of terms) {
    const kind = t.l1 && t.l2 ? `L1L2(l1=${t.l1}, l2=${t.l2})` : t.l1 ? `L1(${t.l1})` : `L2(${t.l2})`;
    groups.set(kind, [...(groups.get(kind) ?? []), t.weight]);
  }
  return [...groups].map(([k, ws]) => `${k} on ${ws.join(', ')}`).join('; ');
}
