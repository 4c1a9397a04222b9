/**
 * The `meta` every analysis result carries (DESIGN: "a plain result object that carries meta"):
 * the seed and the resolved options it ran with, and how long it took. Where the run happened
 * (backend, workers, version) is the pipeline's to add: analyses never know the backend.
 */
export interface AnalysisMeta {
  seed?: number;
  /** The analysis' own options after defaults (callbacks left out). */
  options: Record<string, unknown>;
  elapsedMs: number;
}

export function analysisMeta(started: number, options: object, seed?: number): AnalysisMeta {
  const plain = Object.fromEntries(Object.entries(options).filter(([, v]) => typeof v !== 'function' && v !== undefined));
  return { ...(seed !== undefined ? { seed } : {}), options: plain, elapsedMs: Date.now() - started };
}
