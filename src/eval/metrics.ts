/**
 * Classification metrics from gold and predicted label sets: accuracy (precision at 1, as fastText
 * reports it), macro-F1, per-label precision/recall/F1 and a confusion matrix. Pure functions over
 * counts, so they can be tested against hand-computed tables.
 *
 * Only accuracy looks at the top prediction alone; everything else counts every predicted label
 * (all of k, above the threshold) against every gold label, so multi-label data is scored as sets:
 * for each label, TP = predicted and gold, FP = predicted not gold, FN = gold not predicted.
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
  /** Precision at 1: the share of examples whose top prediction is one of their gold labels. */
  accuracy: number;
  /** Mean F1 over the labels that are gold or predicted at least once. */
  macroF1: number;
  /** From every predicted label (see the file comment). */
  perLabel: LabelMetrics[];
  /**
   * confusion.matrix[gold][predicted] over confusion.labels (the labels, then "(none)" when used):
   * perLabel's TP/FP/FN laid out as a table. For each example, a label both gold and predicted
   * counts once on the diagonal; the gold labels not predicted (in gold order) are paired one to one
   * with the predicted labels not gold (best first); a gold label left over counts in column
   * "(none)" (missed), a predicted one in row "(none)" (predicted in excess). So for each label the
   * diagonal is its TP, its row sums to its support (TP + FN) and its column to TP + FP. With one
   * gold label and at most one prediction an example this is the usual single-label matrix.
   */
  confusion: { labels: string[]; matrix: number[][] };
}

/** The confusion matrix's row and column of "no label": nothing predicted, or no gold label left. */
export const NONE = '(none)';

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
    const wrong: string[] = [];
    const missed: string[] = [];
    for (const p of predicted) {
      if (gold.includes(p)) {
        this.bump(this.tp, p);
        this.count(p, p);
      } else {
        this.bump(this.fp, p);
        wrong.push(p);
      }
    }
    for (const g of gold) {
      if (!predicted.includes(g)) {
        this.bump(this.fn, g);
        missed.push(g);
      }
    }
    for (let i = 0; i < Math.max(wrong.length, missed.length); i++) this.count(missed[i] ?? NONE, wrong[i] ?? NONE);
  }

  private count(gold: string, predicted: string): void {
    let row = this.confusion.get(gold);
    if (!row) this.confusion.set(gold, (row = new Map()));
    row.set(predicted, (row.get(predicted) ?? 0) + 1);
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
    if (this.confusion.has(NONE) || [...this.confusion.values()].some((row) => row.has(NONE))) labels.push(NONE);
    const matrix = labels.map((g) => labels.map((p) => this.confusion.get(g)?.get(p) ?? 0));
    return { n: this.n, accuracy: this.n > 0 ? this.correct / this.n : 0, macroF1, perLabel, confusion: { labels, matrix } };
  }
}
