/** `accrete eval`: metrics of a model on labelled data. */
import { evaluate } from '../eval/evaluate.js';
import type { Metrics } from '../eval/metrics.js';
import { loadModel } from '../store/modelFiles.js';
import { help, parseFlags, predictOptions, READ_FLAGS, readOptions, requireString } from './args.js';
import { loadExamples, warnUnknownLabels } from './data.js';
import { pct, table } from '../util/table.js';

export const evalHelp = `usage: accrete eval --model MODEL --data FILE [--json] [--k K] [--threshold P]

Scores a model on labelled examples: accuracy (precision at 1), macro-F1, per-label
precision/recall/F1 and the confusion matrix; all but accuracy count every predicted label
(--k, --threshold). In the matrix a label both gold and predicted counts on the diagonal; a
missed gold label is paired with a wrong prediction of the same example (best first), else
counted in column (none); a wrong prediction left over goes in row (none). A label's row sums
to its support, its column to the times it was predicted.

  --model MODEL   model directory
  --data FILE     labelled examples (.jsonl, .csv, .tsv, fastText .txt)
  --format F      jsonl | csv | tsv | fasttext (default: from the extension)
  --skip-bad      skip and count bad lines
  --k K           labels predicted per example, for multi-label data (1)
  --threshold P   minimum probability of a predicted label (0)
  --json          one JSON object on stdout: accuracy, macroF1, n, perLabel, confusion, and skipped
                  (the bad lines --skip-bad skipped)`;

export async function evalCommand(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, {
    model: { type: 'string' },
    data: { type: 'string' },
    ...READ_FLAGS,
    k: { type: 'string' },
    threshold: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (flags.help) return help(evalHelp);
  const modelDir = requireString(flags, 'model');
  const dataPath = requireString(flags, 'data');
  const options = predictOptions(flags);
  const read = readOptions(flags);
  const model = loadModel(modelDir);
  const { examples, skipped } = await loadExamples(dataPath, read, 'there is nothing to evaluate on');
  warnUnknownLabels(dataPath, examples, model.labels, 'the model does not know');
  const metrics = evaluate(model, examples, options);
  process.stdout.write(flags.json ? JSON.stringify({ ...metrics, skipped }) + '\n' : formatMetrics(metrics) + '\n');
  return 0;
}

export function formatMetrics(m: Metrics): string {
  const lines = [`n ${m.n}   accuracy ${pct(m.accuracy)}%   macro-F1 ${pct(m.macroF1)}%`, ''];
  lines.push(table(['label', 'precision', 'recall', 'F1', 'support'], m.perLabel.map((l) => [l.label, pct(l.precision), pct(l.recall), pct(l.f1), l.support])));
  if (m.confusion.labels.length <= 12) {
    lines.push('', 'confusion (rows: gold, columns: predicted)');
    lines.push(table(['', ...m.confusion.labels], m.confusion.labels.map((g, i) => [g, ...m.confusion.matrix[i]])));
  }
  return lines.join('\n');
}
