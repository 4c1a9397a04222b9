/** Which curvature matrix an analysis's matvecs apply: the Hessian, the Gauss–Newton matrix or the empirical Fisher. */
export type CurvatureKind = 'hessian' | 'ggn' | 'empirical-fisher';
/** Every {@link CurvatureKind}, for option checks and help text. */
export const CURVATURE_KINDS: readonly CurvatureKind[] = ['hessian', 'ggn', 'empirical-fisher'];
