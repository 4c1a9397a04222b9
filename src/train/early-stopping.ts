/**
 * Early stopping on a monitored loss (Keras semantics, min_delta 0): remember the best epoch's
 * state; stop once `patience` epochs in a row have not beaten it. Non-finite losses never count.
 */
export class EarlyStopping<S> {
  bestLoss = Infinity;
  bestEpoch: number | null = null;
  bestState: S | null = null;
  private wait = 0;

  constructor(readonly patience: number) {}

  get enabled(): boolean {
    return this.patience > 0;
  }

  /** Feed an epoch's monitored loss; `save` is called only for a new best. True: stop now. */
  update(loss: number, epoch: number, save: () => S): boolean {
    if (!this.enabled) return false;
    if (Number.isFinite(loss) && loss < this.bestLoss) {
      this.bestLoss = loss;
      this.bestEpoch = epoch;
      this.bestState = save();
      this.wait = 0;
      return false;
    }
    return ++this.wait >= this.patience;
  }
}
