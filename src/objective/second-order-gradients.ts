/** Twice-differentiable gradient registrations. (Being written.) */
export function registerSecondOrderGradients(): void {}
