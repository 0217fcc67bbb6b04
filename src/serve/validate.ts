/**
 * The request bodies of the API, checked at the boundary: every field's type and range, unknown
 * fields refused (a typo should not be silently ignored), and messages that say which field is
 * wrong and what is allowed. Examples follow the same rules as JSON Lines data files.
 */
import { GATE_POLICIES, type GatePolicy } from '../update/gate.js';
import type { Example } from '../data/example.js';
import { Problem, show } from '../data/fields.js';
import { exampleFromJson } from '../data/jsonl.js';
import { UsageError } from '../errors.js';
import { inRange, UPDATE_RANGES, type OptionRange } from '../update/options.js';
import { parseSelection } from '../update/selection.js';
import type { UpdateOptions } from '../update/update.js';
import { badRequest } from './status.js';

export interface Limits {
  /** Largest request body, in bytes. */
  maxBody: number;
  /** Longest text, in characters. */
  maxText: number;
  /** Most texts in one predict request, and most examples in one feedback request. */
  maxBatch: number;
}

export const DEFAULT_LIMITS: Limits = { maxBody: 1 << 20, maxText: 20_000, maxBatch: 1000 };

type Obj = Record<string, unknown>;

function object(value: unknown, keys: readonly string[], what = 'the body'): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(`${what} must be a JSON object`);
  const unknown = Object.keys(value).filter((k) => !keys.includes(k));
  if (unknown.length) throw badRequest(`unknown field ${JSON.stringify(unknown[0].slice(0, 40))} in ${what}; allowed: ${keys.join(', ')}`);
  return value as Obj;
}

function text(value: unknown, field: string, limits: Limits): string {
  if (typeof value !== 'string' || value.trim() === '') throw badRequest(`"${field}" must be a non-empty string`);
  if (value.length > limits.maxText) throw badRequest(`"${field}" is ${value.length} characters long; the limit is ${limits.maxText}`);
  return value;
}

/**
 * The numeric fields of a body: type and range in one value, which the checks below and the
 * OpenAPI document (openapi.ts) both read, so the two cannot disagree.
 */
export interface NumberField extends OptionRange {
  max: number;
  /** The value used when the field is left out (none: the option's own default applies). */
  default?: number;
  description: string;
}

function number(o: Obj, field: string, spec: NumberField): number | undefined {
  const v = o[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !inRange(spec, v)) throw badRequest(`"${field}" must be ${spec.expected}, got ${typeof v === 'number' ? String(v) : show(v)}`);
  return v;
}

function batch(value: unknown, field: string, limits: Limits): unknown[] {
  if (!Array.isArray(value) || value.length === 0) throw badRequest(`"${field}" must be a non-empty array`);
  if (value.length > limits.maxBatch) throw badRequest(`"${field}" has ${value.length} items; the limit is ${limits.maxBatch}`);
  return value;
}

export interface PredictRequest {
  texts: string[];
  /** true for `{"text"}` (one list of predictions), false for `{"texts"}` (a list per text). */
  single: boolean;
  k: number;
  threshold: number;
}

/** The fields of POST /v1/predict: `text` or `texts` (strings up to `maxText`, `maxBatch` of them), and these. */
export const PREDICT_FIELDS = {
  k: { kind: 'int', min: 1, max: 1000, default: 1, expected: 'an integer from 1 to 1000', description: 'How many labels to return per text, best first.' },
  threshold: { kind: 'float', min: 0, max: 1, default: 0, expected: 'a probability in [0, 1]', description: 'Leave out labels scored below this probability.' },
} as const satisfies Record<string, NumberField>;
export const PREDICT_KEYS = ['text', 'texts', ...Object.keys(PREDICT_FIELDS)] as const;

export function predictRequest(body: unknown, limits: Limits): PredictRequest {
  const o = object(body, PREDICT_KEYS);
  if ((o.text === undefined) === (o.texts === undefined)) throw badRequest('send either "text" (a string) or "texts" (an array of strings)');
  const single = o.text !== undefined;
  const texts = single ? [text(o.text, 'text', limits)] : batch(o.texts, 'texts', limits).map((t, i) => text(t, `texts[${i}]`, limits));
  const k = number(o, 'k', PREDICT_FIELDS.k) ?? PREDICT_FIELDS.k.default;
  const threshold = number(o, 'threshold', PREDICT_FIELDS.threshold) ?? PREDICT_FIELDS.threshold.default;
  return { texts, single, k, threshold };
}

export const EXAMPLE_FIELDS = ['text', 'label', 'labels', 'weight'] as const;
/** The longest label feedback may carry, in characters. */
export const MAX_LABEL = 200;
/**
 * A weight scales the example's gradient step. An event worth more than 100 others is already an
 * outlier; far above that (1e30) one event drives the update to Inf and the whole job fails, taking
 * all pending feedback with it, so the door refuses it instead.
 */
export const MAX_WEIGHT = 100;
export const WEIGHT_FIELD: NumberField = { kind: 'float', min: 0, above: true, max: MAX_WEIGHT, expected: `a number in (0, ${MAX_WEIGHT}]`, description: "Scales the example's gradient step (1 when left out)." };
/** What `source` must look like (it names where feedback came from, in the registry and /metrics). */
export const SOURCE_PATTERN = /^[\w.:-]{1,64}$/;

function example(value: unknown, what: string, limits: Limits): Example {
  const o = object(value, EXAMPLE_FIELDS, what);
  const textField = what === 'the body' ? 'text' : `${what}.text`;
  // Stored feedback may go to PostgreSQL one day, whose text type refuses U+0000: refused now.
  if (text(o.text, textField, limits).includes('\0')) throw badRequest(`"${textField}" holds a NUL character (U+0000); remove it`);
  const w = o.weight;
  if (w !== undefined && (typeof w !== 'number' || !inRange(WEIGHT_FIELD, w))) {
    throw badRequest(`"${what === 'the body' ? 'weight' : `${what}.weight`}" must be ${WEIGHT_FIELD.expected}, got ${typeof w === 'number' ? String(w) : show(w)}`);
  }
  const e = exampleFromJson(o, true);
  if (e instanceof Problem) throw badRequest(`${what}: ${e.message}`);
  const long = e.labels.find((l) => l.length > MAX_LABEL);
  if (long) throw badRequest(`${what}: a label is ${long.length} characters long; the limit is ${MAX_LABEL}`);
  return e;
}

export interface FeedbackRequest {
  examples: Example[];
  source: string;
}

export function feedbackRequest(body: unknown, limits: Limits): FeedbackRequest {
  const o = object(body, ['examples', 'source', ...EXAMPLE_FIELDS]);
  const source = o.source === undefined ? 'api' : o.source;
  if (typeof source !== 'string' || !SOURCE_PATTERN.test(source)) throw badRequest('"source" must be 1 to 64 letters, digits or . _ : -');
  if (o.examples !== undefined) {
    const extra = EXAMPLE_FIELDS.find((k) => o[k] !== undefined);
    if (extra) throw badRequest(`send either "examples" or one example ("text" and "label"), not both ("${extra}" with "examples")`);
    return { examples: batch(o.examples, 'examples', limits).map((e, i) => example(e, `examples[${i}]`, limits)), source };
  }
  const { source: _, ...one } = o;
  return { examples: [example(one, 'the body', limits)], source };
}

/** The numeric options POST /v1/update takes: those of `accrete update` that make sense over HTTP. */
export const HTTP_UPDATE_OPTIONS = ['rounds', 'patience', 'budgetMs', 'lr', 'replay', 'replayRatio', 'ewc', 'distill', 'balance', 'seed', 'maxDrop', 'labelTolerance', 'newShare'] as const;
type HttpUpdateOption = (typeof HTTP_UPDATE_OPTIONS)[number];

/**
 * Caps on top of update()'s own ranges (UPDATE_RANGES): how much work one request may ask for.
 * Every option has one (the type says so). An update trains rounds x (new + replayed) examples,
 * replayed = replayRatio x new per round; measured on a dim-100 model, each step costs about
 * 4.5 us and, at its peak within a round, about 60 bytes per replayed example (docs/decisions.md,
 * 2026-12-06). With these caps 1,000 pending examples take at most about 12 s and 25 MB above the
 * model; replayRatio 1e9 (no cap before) asked for 8 GB in one round and killed the server.
 */
export const HTTP_CAPS: Record<HttpUpdateOption, { max: number; expected: string }> = {
  // A few seconds of work each for 1,000 pending; bench:serve asks for 200 to make an update last.
  rounds: { max: 200, expected: 'an integer from 1 to 200' },
  // Past the rounds cap patience changes nothing.
  patience: { max: 200, expected: 'an integer from 1 to 200' },
  // A budget only shortens an update; 10 minutes is far above what the capped options can take.
  budgetMs: { max: 600_000, expected: 'a number of milliseconds in (0, 600000]' },
  // A step size: past 100 every update diverges (DivergenceError, rolled back).
  lr: { max: 100, expected: 'a number in (0, 100]' },
  // A capacity: the memory fills only with feedback the server already stored (about 100 bytes an example in replay.json).
  replay: { max: 1_000_000, expected: 'an integer from 0 to 1000000' },
  // The costly one: 10x the default; about 600 bytes and 45 us per pending example and round.
  replayRatio: { max: 10, expected: 'a number in (0, 10]' },
  // ewc, distill and balance cost the same whatever their value; past these bounds they only break the update.
  ewc: { max: 1000, expected: 'a number from 0 to 1000' },
  distill: { max: 100, expected: 'a number from 0 to 100 (a temperature)' },
  balance: { max: 10, expected: 'a number from 0 to 10' },
  // The random generator takes 32 bits: larger seeds would alias smaller ones.
  seed: { max: 0xffffffff, expected: 'an integer from 0 to 4294967295' },
  maxDrop: { max: 1, expected: UPDATE_RANGES.maxDrop.expected },
  labelTolerance: { max: 1, expected: UPDATE_RANGES.labelTolerance.expected },
  newShare: { max: 1, expected: UPDATE_RANGES.newShare.expected },
};

/** What each option does, as the OpenAPI document says it (docs/concepts.md has the whole story). */
const UPDATE_OPTION_DOCS: Record<HttpUpdateOption, string> = {
  rounds: 'Most rounds of select, train and validate.',
  patience: 'Stop after this many rounds without a validation gain.',
  budgetMs: 'Time budget in milliseconds: the rounds that fit are kept.',
  lr: "Learning rate, decayed linearly over the update (default: the model's for 50 new examples or more, down to a tenth of it for one).",
  replay: 'Replay memory capacity; 0 = no replay.',
  replayRatio: 'Replayed examples per new example in each round.',
  ewc: 'Elastic weight consolidation strength; 0 = off.',
  distill: "Temperature of distillation from the parent; 0 = off.",
  balance: "Softmax only: strength of the logit adjustment against the update's label mix; 0 = off.",
  seed: 'Random seed of the update.',
  maxDrop: 'Largest drop of guard accuracy and macro-F1 the gate allows beyond noise, as a fraction (0.02 = 2 points).',
  labelTolerance: "Largest drop of one label's guard F1 the gate allows beyond noise, as a fraction.",
  newShare: "The weighted gate's share of traffic that looks like the new data (0.5 = old and new alike): a guard loss is weighed against the gain on the new data in this proportion. Default: the server's `--new-share` (0.5).",
};

/** Each numeric option of POST /v1/update as one range: update()'s (UPDATE_RANGES) cut at its cap. */
export const UPDATE_FIELDS = Object.fromEntries(
  HTTP_UPDATE_OPTIONS.map((key) => {
    const range: OptionRange = UPDATE_RANGES[key];
    const cap = HTTP_CAPS[key];
    const field: NumberField = { kind: range.kind, min: range.min, above: range.above, max: Math.min(range.max ?? Infinity, cap.max), expected: cap.expected, description: `${UPDATE_OPTION_DOCS[key]} As \`accrete update --${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}\`.` };
    return [key, field];
  }),
) as Record<HttpUpdateOption, NumberField>;

/** The options of POST /v1/update, camelCase, checked against update()'s ranges and the caps above. */
export function updateRequest(body: unknown): UpdateOptions {
  const o = object(body, ['select', 'policy', 'growTable', ...HTTP_UPDATE_OPTIONS]);
  const options: UpdateOptions = {};
  for (const key of HTTP_UPDATE_OPTIONS) {
    const value = number(o, key, UPDATE_FIELDS[key]);
    if (value !== undefined) options[key] = value;
  }
  if (o.select !== undefined) {
    if (typeof o.select !== 'string') throw badRequest('"select" must be a string');
    try {
      options.select = parseSelection(o.select);
    } catch (err) {
      if (err instanceof UsageError) throw badRequest(`"select": ${err.message}`);
      throw err;
    }
  }
  if (o.policy !== undefined) {
    if (!(GATE_POLICIES as readonly unknown[]).includes(o.policy)) throw badRequest(`"policy" must be one of ${GATE_POLICIES.join(', ')}`);
    options.policy = o.policy as GatePolicy;
  }
  if (o.growTable !== undefined) {
    if (typeof o.growTable !== 'boolean') throw badRequest('"growTable" must be true or false');
    options.growTable = o.growTable;
  }
  return options;
}
