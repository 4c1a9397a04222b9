/**
 * The batch size a checkpoint was trained with, when its training config says so: Keras and tfjs
 * do not store it (their trainingConfig has loss, metrics and optimizer only), so this reads the
 * keys a saving tool may add (batch_size / batchSize, at the top or under a `fit` entry) and
 * returns null — "unknown" — otherwise. Never guessed.
 */
export function trainingBatchSize(trainingConfig: unknown): number | null {
  if (!trainingConfig || typeof trainingConfig !== 'object') return null;
  const c = trainingConfig as Record<string, unknown>;
  for (const v of [
    c.batch_size,
    c.batchSize,
    (c.fit as Record<string, unknown> | undefined)?.batch_size,
    (c.fit as Record<string, unknown> | undefined)?.batchSize,
  ]) {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 1) return v;
  }
  return null;
}
