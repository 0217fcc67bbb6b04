/**
 * Scoring both tools' predictions with one function, so their accuracies are computed the same way:
 * the top predicted label against the first gold label of each test line. Macro-F1 averages over the
 * labels that occur in the gold data or in the predictions (as `accrete eval` does).
 */

export interface Score {
  n: number;
  accuracy: number;
  macroF1: number;
}

/** The gold labels of fastText-format lines: the first `__label__` token of each, without the prefix. */
export function goldLabels(testFileText: string): string[] {
  return testFileText
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split(' ')[0].replace(/^__label__/, ''));
}

/** fastText `predict` output: `__label__x` per line ('' when it predicted nothing). */
export function parseFastTextPrediction(line: string): string {
  return (line.split(' ')[0] ?? '').replace(/^__label__/, '');
}

/** Accrete `predict` output: `{"predictions":[{"label":"x","score":0.9}]}` per line. */
export function parseAccretePrediction(line: string): string {
  const parsed = JSON.parse(line) as { predictions?: { label: string }[] };
  return parsed.predictions?.[0]?.label ?? '';
}

/**
 * Accuracy and macro-F1 of `predicted` against `gold` (same length, same order).
 * @example scorePredictions(['a', 'b'], ['a', 'a']) // { n: 2, accuracy: 0.5, macroF1: 0.333… }
 */
export function scorePredictions(gold: readonly string[], predicted: readonly string[]): Score {
  if (gold.length !== predicted.length) throw new Error(`scoring ${predicted.length} predictions against ${gold.length} gold labels`);
  const tp = new Map<string, number>();
  const fp = new Map<string, number>();
  const fn = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  let correct = 0;
  gold.forEach((g, i) => {
    const p = predicted[i];
    if (p === g) {
      correct++;
      bump(tp, g);
    } else {
      bump(fn, g);
      if (p !== '') bump(fp, p);
    }
  });
  const labels = new Set([...tp.keys(), ...fn.keys(), ...fp.keys()]);
  let f1Sum = 0;
  for (const label of labels) {
    const t = tp.get(label) ?? 0;
    const precision = t > 0 ? t / (t + (fp.get(label) ?? 0)) : 0;
    const recall = t > 0 ? t / (t + (fn.get(label) ?? 0)) : 0;
    f1Sum += precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  }
  return { n: gold.length, accuracy: gold.length > 0 ? correct / gold.length : 0, macroF1: labels.size > 0 ? f1Sum / labels.size : 0 };
}
