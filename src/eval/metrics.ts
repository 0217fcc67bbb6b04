/**
 * Classification metrics from gold and predicted label sets: accuracy (precision at 1, as fastText
 * reports it), macro-F1, per-label precision/recall/F1 and a confusion matrix. Pure functions over
 * counts, so they can be tested against hand-computed tables.
 */

export interface LabelMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Gold occurrences of the label. */
  support: number;
}

export interface Metrics {
  n: number;
  accuracy: number;
  macroF1: number;
  perLabel: LabelMetrics[];
  /** confusion.matrix[gold][predicted] over confusion.labels, from each example's first gold label and top prediction. */
  confusion: { labels: string[]; matrix: number[][] };
}

/** Accumulates predictions one example at a time (River's metric protocol: update, then get). */
export class MetricsAccumulator {
  private n = 0;
  private correct = 0;
  private readonly tp = new Map<string, number>();
  private readonly fp = new Map<string, number>();
  private readonly fn = new Map<string, number>();
  private readonly confusion = new Map<string, Map<string, number>>();
  private readonly seen: string[] = [];

  constructor(knownLabels: readonly string[] = []) {
    for (const l of knownLabels) this.touch(l);
  }

  private touch(label: string): void {
    if (!this.tp.has(label)) {
      this.tp.set(label, 0);
      this.fp.set(label, 0);
      this.fn.set(label, 0);
      this.seen.push(label);
    }
  }

  private bump(m: Map<string, number>, label: string): void {
    this.touch(label);
    m.set(label, (m.get(label) ?? 0) + 1);
  }

  /** `predicted` is best first; an empty list means the model abstained. */
  update(gold: readonly string[], predicted: readonly string[]): void {
    this.n++;
    if (predicted.length > 0 && gold.includes(predicted[0])) this.correct++;
    for (const p of predicted) this.bump(gold.includes(p) ? this.tp : this.fp, p);
    for (const g of gold) if (!predicted.includes(g)) this.bump(this.fn, g);
    if (gold.length > 0) {
      const g = gold[0];
      const p = predicted[0] ?? '(none)';
      this.touch(g);
      let row = this.confusion.get(g);
      if (!row) this.confusion.set(g, (row = new Map()));
      row.set(p, (row.get(p) ?? 0) + 1);
    }
  }

  get(): Metrics {
    const perLabel = this.seen.map((label) => {
      const tp = this.tp.get(label) ?? 0;
      const fp = this.fp.get(label) ?? 0;
      const fn = this.fn.get(label) ?? 0;
      const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
      const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
      const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
      return { label, precision, recall, f1, support: tp + fn };
    });
    // Macro-F1 averages over labels that occur in the gold data or in the predictions.
    const counted = perLabel.filter((m) => m.support > 0 || (this.fp.get(m.label) ?? 0) > 0);
    const macroF1 = counted.length > 0 ? counted.reduce((s, m) => s + m.f1, 0) / counted.length : 0;
    const labels = [...this.seen];
    if ([...this.confusion.values()].some((row) => row.has('(none)'))) labels.push('(none)');
    const matrix = labels.map((g) => labels.map((p) => this.confusion.get(g)?.get(p) ?? 0));
    return { n: this.n, accuracy: this.n > 0 ? this.correct / this.n : 0, macroF1, perLabel, confusion: { labels, matrix } };
  }
}
