/**
 * `npm start`: the main job on embedded defaults. Trains a spam filter on the SpamAssassin corpus
 * (an npm devDependency, nothing downloaded), evaluates it on a held-out fifth, prints the metrics
 * and saves the model.
 */
import { resolve } from 'node:path';
import { formatMetrics } from '../cli/eval.js';
import { progressView } from '../cli/progressBar.js';
import { loadDataset, splitTrainTest } from '../datasets/index.js';
import { AccreteError } from '../errors.js';
import { evaluate } from '../eval/evaluate.js';
import { train } from '../learn/train.js';
import { saveModel } from '../store/modelFiles.js';

const OUT = resolve('out/spam-model');
const SETTINGS = { dim: 50, epoch: 10, lr: 0.5, wordNgrams: 2, bucket: 200_000, seed: 1 };

async function main(): Promise<void> {
  const dataset = await loadDataset('spam-assassin');
  const { train: trainSet, test } = splitTrainTest(dataset.examples, 0.2, 1);
  process.stdout.write(`${dataset.name}: ${dataset.description}\ntraining on ${trainSet.length} e-mails, testing on ${test.length}\n`);
  const view = progressView('train');
  const { model, report } = await train(trainSet, { ...SETTINGS, onProgress: (p) => view.update(p) });
  view.stop();
  process.stdout.write(`trained in ${report.seconds.toFixed(1)}s (${report.words} words, settings ${JSON.stringify(SETTINGS)})\n\n`);
  const metrics = evaluate(model, test);
  process.stdout.write(formatMetrics(metrics) + '\n\n');
  model.info = { ...model.info, trainedOn: { dataset: dataset.name, examples: trainSet.length }, metrics: { accuracy: metrics.accuracy, macroF1: metrics.macroF1, n: metrics.n } };
  saveModel(model, OUT);
  process.stdout.write(`saved the model to ${OUT}\ntry it:  echo "Cheap meds, click here now" | npx accrete predict --model ${OUT} --k 2\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof AccreteError ? err.message : String((err as Error)?.stack ?? err)}\n`);
  process.exitCode = 1;
});
