/**
 * Thick-restart Lanczos (Wu & Simon 2000; the symmetric Krylov–Schur method of Stewart 2001)
 * with locking of converged pairs, for the extreme eigenpairs of a symmetric operator under a
 * matvec budget.
 *
 * A cycle extends an orthonormal basis V (full reorthogonalization, two Gram–Schmidt passes
 * against V and the locked vectors) to `basisSize` vectors; the projected matrix T = VᵀHV is
 * tridiagonal except for the arrow row coupling the kept Ritz vectors to the first new vector.
 * The relation H V = V T + f cᵀ (f the next unit vector, c its couplings) gives each Ritz
 * pair's residual |cᵀs| without a matvec. At a restart, the wanted pairs that meet the
 * convergence rule (convergence-rule.ts) are locked: stored with their vector and removed
 * from the active space, which every later vector is orthogonalised against (hard deflation;
 * the dropped coupling is below the pair's residual). The unconverged wanted Ritz vectors and
 * a buffer of their neighbours are kept (the "thick" restart), so the Krylov polynomial's
 * degree keeps growing across cycles, which is what makes a clustered end converge.
 *
 * The wanted set at an end is the k most extreme values of (locked ∪ active Ritz values):
 * an active Ritz value beyond a locked one means an eigenvalue was missed and must converge
 * before the run ends. Breakdown (an invariant subspace) continues from a fresh seeded vector
 * orthogonal to everything, with zero coupling, which is how repeated eigenvalues are found.
 */
import { optionError } from '../errors.js';
import { symmetricEigenpairs } from './symmetric-eigen.js';
import { gaussianVector } from '../random.js';
import { FLOAT32_HVP_FLOOR, errorBound, gaps, isConverged, type ConvergenceRule } from './convergence-rule.js';
import { applyMatVec, combine, divided, dot, norm, normalize, orthogonalize, type MatVec, type OnProgress } from './vector-ops.js';

/** Which end(s) of the spectrum thickRestartLanczos looks for. */
export type EigenWhich = 'top' | 'bottom' | 'both';

/** Most float64 values the basis may hold (2^28: 2 GiB), as lanczos.ts. */
const MAX_BASIS_VALUES = 2 ** 28;

/** thickRestartLanczos's options: the wanted end(s) and counts, the convergence rule, the basis size and the matvec budget. */
export interface ThickRestartOptions {
  which?: EigenWhich;
  /** Pairs wanted at the top / bottom (for the ends `which` names); default 1 each. */
  kTop?: number;
  kBottom?: number;
  /** Relative tolerance on |θ|; default 1e-6. */
  tol?: number;
  /** Absolute residual floor relative to ρ; default FLOAT32_HVP_FLOOR. */
  floor?: number;
  /** Matvec budget; default 20·basisSize. */
  maxMatvecs?: number;
  /** Basis vectors held between restarts; default max(40, 3·(kTop + kBottom)), at most dim. */
  basisSize?: number;
  seed?: number;
  start?: Float64Array;
  /** Scale ρ for the floor instead of the running estimate. */
  radius?: number;
  vectors?: boolean;
  onProgress?: OnProgress;
}

/** An eigenvalue estimate with its residual, error bound and convergence flag. */
export interface EigenPair {
  value: number;
  /** ‖Hy − θy‖ (from the Krylov–Schur relation). */
  residual: number;
  converged: boolean;
  /** min(r, r²/gap): a bound on |θ − λ| (gap from the neighbouring Ritz values). */
  errorBound: number;
  vector?: Float64Array;
}

/** The wanted eigenpairs at each end, the rule they were held to, and the products and restarts spent. */
export interface ThickRestartResult {
  /** Descending. */
  top: EigenPair[];
  /** Ascending. */
  bottom: EigenPair[];
  radius: number;
  rule: ConvergenceRule;
  matvecs: number;
  restarts: number;
  locked: number;
  /** Every wanted pair converged. */
  converged: boolean;
  /** The run stopped on the matvec budget with unconverged wanted pairs. */
  budgetExhausted: boolean;
  basisSize: number;
}

interface Pair {
  value: number;
  residual: number;
  vector: () => Float64Array;
  locked: boolean;
}
interface Ritz {
  values: number[];
  S: number[][];
  residuals: number[];
}

interface State {
  V: Float64Array[];
  T: number[][];
  f: Float64Array;
  c: number[];
  locked: { value: number; residual: number; vector: Float64Array }[];
  matvecs: number;
  restarts: number;
  fresh: number;
  pendingFresh: boolean;
  exhausted: boolean;
  radius: number;
}

function resolve(dim: number, o: ThickRestartOptions) {
  if (!Number.isInteger(dim) || dim < 1) throw optionError('dim', `must be a positive integer, got ${dim}`);
  const which = o.which ?? 'top';
  if (!['top', 'bottom', 'both'].includes(which)) throw optionError('which', `must be one of top, bottom, both; got ${String(which)}`);
  const kT = which === 'bottom' ? 0 : (o.kTop ?? 1);
  const kB = which === 'top' ? 0 : (o.kBottom ?? 1);
  for (const [f, v] of [
    ['kTop', kT],
    ['kBottom', kB],
  ] as const)
    if (!Number.isInteger(v) || v < 0 || v > dim) throw optionError(f, `must be an integer in [0, ${dim}], got ${v}`);
  const basis = Math.min(dim, o.basisSize ?? Math.max(40, 3 * (kT + kB)));
  if (!Number.isInteger(basis) || basis < Math.min(dim, kT + kB + 2))
    throw optionError('basisSize', `must be an integer ≥ kTop + kBottom + 2 = ${kT + kB + 2}, got ${o.basisSize}`);
  // the basis, the locked vectors and f are held at once: (basis + k + 1) × dim float64s
  if ((basis + kT + kB + 1) * dim > MAX_BASIS_VALUES) {
    throw optionError(
      'maxIter',
      `a basis of ${basis} Lanczos vectors (+ ${kT + kB} locked) of ${dim} parameters needs ${(((basis + kT + kB + 1) * dim * 8) / 2 ** 30).toFixed(1)} GiB; at most ${MAX_BASIS_VALUES / 2 ** 27} GiB (${Math.max(0, Math.floor(MAX_BASIS_VALUES / dim) - kT - kB - 1)} vectors for this model): lower {maxIter}`,
    );
  }
  const maxMatvecs = o.maxMatvecs ?? 20 * basis;
  if (!Number.isInteger(maxMatvecs) || maxMatvecs < 1) throw optionError('maxMatvecs', `must be a positive integer, got ${o.maxMatvecs}`);
  const tol = o.tol ?? 1e-6,
    floor = o.floor ?? FLOAT32_HVP_FLOOR;
  if (!(tol > 0 && tol < 1)) throw optionError('tol', `must be in (0, 1), got ${o.tol}`);
  if (!(floor >= 0 && floor < 1)) throw optionError('floor', `must be in [0, 1), got ${o.floor}`);
  if (o.start && o.start.length !== dim) throw optionError('start', `must have length ${dim}, got ${o.start.length}`);
  return { kT, kB, basis, maxMatvecs, rule: { tol, floor }, seed: o.seed ?? 0 };
}

function rayleighRitz(T: number[][], c: number[]): Ritz {
  const e = symmetricEigenpairs(T, T.length);
  const S = e.vectors.map((v) => Array.from(v));
  return { values: e.values, S, residuals: S.map((v) => Math.abs(v.reduce((a, x, i) => a + x * c[i], 0))) };
}

/** Active Ritz pairs and locked pairs, merged; the k most extreme at each end are the targets. */
function pairsOf(st: State, ritz: Ritz): Pair[] {
  const act: Pair[] = ritz.values.map((value, i) => ({
    value,
    residual: ritz.residuals[i],
    locked: false,
    vector: () => {
      const v = combine(st.V, ritz.S[i], st.f.length);
      normalize(v);
      return v;
    },
  }));
  return [...act, ...st.locked.map((l) => ({ value: l.value, residual: l.residual, locked: true, vector: () => l.vector }))];
}

function targets(pairs: Pair[], kT: number, kB: number): { top: Pair[]; bottom: Pair[] } {
  const asc = [...pairs].sort((a, b) => a.value - b.value);
  return { bottom: asc.slice(0, kB), top: asc.reverse().slice(0, kT) };
}

/**
 * Thick-restart (Krylov–Schur) Lanczos: the wanted eigenpairs at one or both ends of a symmetric
 * operator's spectrum within a bounded basis, locking converged pairs and restarting from the
 * best Ritz vectors until every pair meets the convergence rule or the matvec budget is spent.
 *
 * @example
 * ```ts
 * import assert from 'node:assert/strict';
 * import { rotatedSpectrumOperator, thickRestartLanczos } from 'losslens/curvature';
 *
 * const op = rotatedSpectrumOperator(Array.from({ length: 50 }, (_, i) => i - 5), 2);
 * const r = await thickRestartLanczos(op.matvec, op.dim, { which: 'both', kTop: 2, kBottom: 2, basisSize: 12, seed: 0 });
 * [44, 43].forEach((lambda, i) => assert.ok(Math.abs(r.top[i].value - lambda) < 1e-8));
 * [-5, -4].forEach((lambda, i) => assert.ok(Math.abs(r.bottom[i].value - lambda) < 1e-8));
 * ```
 */
export async function thickRestartLanczos(matvec: MatVec, dim: number, options: ThickRestartOptions = {}): Promise<ThickRestartResult> {
  const o = resolve(dim, options);
  const f = options.start ? Float64Array.from(options.start) : gaussianVector(dim, o.seed);
  if (normalize(f) === 0) throw optionError('start', 'must be a nonzero vector');
  const st: State = { V: [], T: [], f, c: [], locked: [], matvecs: 0, restarts: 0, fresh: 0, pendingFresh: false, exhausted: false, radius: 0 };
  let ritz: Ritz = { values: [], S: [], residuals: [] };
  const conv = (p: { value: number; residual: number }) => isConverged(p.value, p.residual, options.radius ?? st.radius, o.rule);
  const satisfied = () => {
    const t = targets(pairsOf(st, ritz), o.kT, o.kB);
    return !st.pendingFresh && [...t.top, ...t.bottom].every((p) => p.locked || conv(p));
  };
  for (;;) {
    const room = Math.min(o.basis, dim - st.locked.length);
    // each Ritz check is an O(basis³) eigendecomposition: a large basis is checked every basis/8 steps
    const every = Math.max(1, Math.round(o.basis / (o.basis > 200 ? 8 : 20)));
    while (st.V.length < room && st.matvecs < o.maxMatvecs && !st.exhausted) {
      await expand(matvec, st, o.seed);
      options.onProgress?.(st.matvecs, o.maxMatvecs);
      if (st.V.length >= o.kT + o.kB && (st.V.length % every === 0 || st.V.length === room)) {
        ritz = updateRitz(st);
        if (satisfied()) break;
      }
    }
    ritz = updateRitz(st);
    const lock = lockConverged(st, ritz, o.kT, o.kB, conv);
    if (lock) {
      // the pairs left active are Ritz pairs of the current basis; when locking finished the run,
      // rebasing onto them would be ~m² vector combines of work nobody reads (their vectors stay lazy)
      const all = ritz;
      ritz = lock.active;
      if (satisfied()) break;
      rebase(st, all, lock.keep);
      ritz = updateRitz(st);
    }
    const full = st.V.length + st.locked.length >= dim;
    if (satisfied() || st.matvecs >= o.maxMatvecs || st.exhausted || full) break;
    restart(st, ritz, o.kT, o.kB, room);
  }
  return assemble(st, ritz, o, options, conv);
}

function updateRitz(st: State): Ritz {
  const ritz = st.V.length > 0 ? rayleighRitz(st.T, st.c) : { values: [], S: [], residuals: [] };
  for (const v of ritz.values) st.radius = Math.max(st.radius, Math.abs(v));
  return ritz;
}

/** One Lanczos step: push f onto V with its couplings, apply H, orthogonalise, next f. */
async function expand(matvec: MatVec, st: State, seed: number): Promise<void> {
  const j = st.V.length;
  st.V.push(st.f);
  st.pendingFresh = false;
  for (let i = 0; i < j; i++) st.T[i].push(st.c[i] ?? 0);
  st.T.push([...Array.from({ length: j }, (_, i) => st.c[i] ?? 0), 0]);
  const w = await applyMatVec(matvec, st.f);
  st.matvecs++;
  st.T[j][j] = dot(w, st.f);
  // one basis, both passes: separate passes against locked and V let each re-seed the
  // other's components, which the top eigenvalues then amplify step after step
  const all = [...st.locked.map((l) => l.vector), ...st.V];
  orthogonalize(w, all);
  const beta = norm(w);
  const tNorm = Math.max(st.radius, Math.abs(st.T[j][j]), ...st.c.map(Math.abs));
  st.c = new Array<number>(j + 1).fill(0);
  if (beta > 1e-10 * tNorm) {
    st.f = divided(w, beta);
    st.c[j] = beta;
    return;
  }
  const r = orthogonalize(gaussianVector(st.f.length, (seed + Math.imul(++st.fresh, 0x632be5ab)) >>> 0), all);
  orthogonalize(r, all);
  if (normalize(r) > 1e-8 * Math.sqrt(st.f.length)) {
    st.f = r;
    st.pendingFresh = true;
  } else st.exhausted = true;
}

/**
 * Lock the converged targets (their vectors formed now); returns the Ritz pairs left active — on the
 * current basis, for the caller to rebase onto (rebase) — or null when nothing converged.
 */
function lockConverged(st: State, ritz: Ritz, kT: number, kB: number, conv: (p: Pair) => boolean): { active: Ritz; keep: number[] } | null {
  const pairs = pairsOf(st, ritz);
  const t = targets(pairs, kT, kB);
  const lock = new Set([...t.top, ...t.bottom].filter((p) => !p.locked && conv(p)));
  if (lock.size === 0) return null;
  const idx = pairs
    .slice(0, ritz.values.length)
    .map((p, i) => (lock.has(p) ? i : -1))
    .filter((i) => i >= 0);
  for (const i of idx) st.locked.push({ value: ritz.values[i], residual: ritz.residuals[i], vector: pairs[i].vector() });
  const keep = ritz.values.map((_, i) => i).filter((i) => !idx.includes(i));
  return { keep, active: { values: keep.map((i) => ritz.values[i]), S: keep.map((i) => ritz.S[i]), residuals: keep.map((i) => ritz.residuals[i]) } };
}

/** Replace V by the Ritz vectors `keep` (T becomes diagonal + arrow couplings to f). */
function rebase(st: State, ritz: Ritz, keep: number[]): void {
  const dim = st.f.length;
  st.V = keep.map((i) => {
    const v = combine(st.V, ritz.S[i], dim);
    normalize(v);
    return v;
  });
  st.T = keep.map((i, a) => keep.map((_, b) => (a === b ? ritz.values[i] : 0)));
  st.c = keep.map((i) => dotArr(ritz.S[i], st.c));
}

function dotArr(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * (b[i] ?? 0);
  return s;
}

/** Keep the unconverged wanted Ritz vectors at each unfinished end plus a buffer of neighbours. */
function restart(st: State, ritz: Ritz, kT: number, kB: number, room: number): void {
  const m = ritz.values.length;
  const t = targets(pairsOf(st, ritz), kT, kB);
  const needB = t.bottom.filter((p) => !p.locked).length,
    needT = t.top.filter((p) => !p.locked).length;
  const ends = (needB > 0 ? 1 : 0) + (needT > 0 ? 1 : 0) || 1;
  // at least 2 new Lanczos steps per cycle; half the free room to the buffer
  const extra = Math.max(0, Math.min(Math.floor((0.5 * (room - needB - needT)) / ends), Math.floor((room - 2 - needB - needT) / ends)));
  const nB = needB > 0 ? Math.min(m, needB + extra) : 0;
  const nT = needT > 0 ? Math.min(m - nB, needT + extra) : 0;
  const keep = [...Array.from({ length: nB }, (_, i) => i), ...Array.from({ length: nT }, (_, i) => m - 1 - i)];
  rebase(
    st,
    ritz,
    [...new Set(keep)].sort((a, b) => a - b),
  );
  st.restarts++;
}

function assemble(st: State, ritz: Ritz, o: ReturnType<typeof resolve>, options: ThickRestartOptions, conv: (p: Pair) => boolean): ThickRestartResult {
  const pairs = pairsOf(st, ritz);
  const t = targets(pairs, o.kT, o.kB);
  const g = gaps(pairs.map((p) => p.value));
  const out = (p: Pair): EigenPair => {
    const r: EigenPair = { value: p.value, residual: p.residual, converged: p.locked || conv(p), errorBound: errorBound(p.residual, g[pairs.indexOf(p)]) };
    if (options.vectors) r.vector = p.vector();
    return r;
  };
  const top = t.top.map(out),
    bottom = t.bottom.map(out);
  const converged = [...top, ...bottom].every((p) => p.converged);
  return {
    top,
    bottom,
    radius: options.radius ?? st.radius,
    rule: o.rule,
    matvecs: st.matvecs,
    restarts: st.restarts,
    locked: st.locked.length,
    converged,
    budgetExhausted: !converged && st.matvecs >= o.maxMatvecs,
    basisSize: o.basis,
  };
}
