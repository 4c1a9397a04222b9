/**
 * The measurement budget: measurements may take at most `budget` percent of the fit's wall time
 * (training and measurements together, so 100 puts no limit). A measurement runs when the time
 * measured so far plus one more of the last one's cost stays within that share of the wall time
 * it would end at. The first always runs: it is what tells the cost.
 */
export function withinBudget(done: number, measureMs: number, lastCostMs: number, elapsedMs: number, budget: number): boolean {
  if (done === 0 || budget >= 100) return true;
  return measureMs + lastCostMs <= (budget / 100) * (elapsedMs + lastCostMs);
}
