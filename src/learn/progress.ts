/** What a training run reports while it runs (the CLI draws it as a progress bar). */
export interface TrainProgress {
  epoch: number;
  epochs: number;
  /** Fraction of all work done, 0..1. */
  fraction: number;
  examplesPerSecond: number;
  tokensPerSecond: number;
  /** Mean loss over the examples since the previous report. */
  loss: number;
  etaSeconds: number;
}

export type ProgressListener = (p: TrainProgress) => void;

/** Turns "examples done so far" into a TrainProgress, with rates measured since the run started. */
export class ProgressMeter {
  private readonly started = performance.now();
  constructor(
    private readonly examplesPerEpoch: number,
    private readonly tokensPerEpoch: number,
    private readonly epochs: number,
  ) {}

  at(examplesDone: number, loss: number): TrainProgress {
    const seconds = Math.max(1e-9, (performance.now() - this.started) / 1000);
    const total = this.examplesPerEpoch * this.epochs;
    const fraction = total > 0 ? Math.min(1, examplesDone / total) : 1;
    const tokensDone = (examplesDone / Math.max(1, this.examplesPerEpoch)) * this.tokensPerEpoch;
    return {
      epoch: Math.min(this.epochs, Math.floor(examplesDone / Math.max(1, this.examplesPerEpoch)) + 1),
      epochs: this.epochs,
      fraction,
      examplesPerSecond: examplesDone / seconds,
      tokensPerSecond: tokensDone / seconds,
      loss,
      etaSeconds: fraction > 0 ? (seconds * (1 - fraction)) / fraction : Infinity,
    };
  }
}
