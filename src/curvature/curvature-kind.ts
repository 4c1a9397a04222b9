/** Which curvature matrix an analysis's matvecs apply: the Hessian, the Gauss–Newton matrix or the empirical Fisher. */
export type CurvatureKind = 'hessian' | 'ggn' | 'empirical-fisher';
export const CURVATURE_KINDS: readonly CurvatureKind[] = ['hessian', 'ggn', 'empirical-fisher'];
