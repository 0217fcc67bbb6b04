/**
 * JSON Schemas (2020-12, as OpenAPI 3.1 takes them) of the API's bodies. Request bodies are built
 * from the field descriptions the validators in validate.ts read (NumberField, the key lists, the
 * limits), so the document cannot promise what the server refuses or refuse what it takes. Answers
 * are described here; the replay test (openapi.test.ts) checks real answers against them.
 */
import { STATUS } from './status.js';
import { GATE_POLICIES } from '../update/gate.js';
import { EXAMPLE_FIELDS, MAX_LABEL, PREDICT_FIELDS, SOURCE_PATTERN, UPDATE_FIELDS, WEIGHT_FIELD, type Limits, type NumberField } from './validate.js';

export type JsonSchema = { [keyword: string]: unknown };

export const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (s: JsonSchema): JsonSchema => ({ anyOf: [s, { type: 'null' }] });
const str: JsonSchema = { type: 'string' };
const int = (minimum = 0): JsonSchema => ({ type: 'integer', minimum });
const num: JsonSchema = { type: 'number' };
const arrayOf = (items: JsonSchema): JsonSchema => ({ type: 'array', items });

/** An object with these properties; all required unless listed in `optional`; no others unless `open`. */
function object(properties: Record<string, JsonSchema>, optional: string[] = [], open = false): JsonSchema {
  const required = Object.keys(properties).filter((k) => !optional.includes(k));
  return { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: open };
}

/** A NumberField as JSON Schema: the same bounds the validator's inRange() applies. */
export function numberSchema(f: NumberField): JsonSchema {
  return {
    type: f.kind === 'int' ? 'integer' : 'number',
    ...(f.above ? { exclusiveMinimum: f.min } : { minimum: f.min }),
    maximum: f.max,
    ...(f.default === undefined ? {} : { default: f.default }),
    description: `${f.description} Must be ${f.expected}.`,
  };
}

const numbers = (fields: Record<string, NumberField>) => Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, numberSchema(f)]));

/**
 * The server counts lengths in UTF-16 code units (JavaScript's length), JSON Schema in code points:
 * the same for most text, but an emoji counts twice on the server. The description says so.
 */
const UNITS = 'Lengths count UTF-16 code units (an emoji outside the BMP counts 2).';

/** A text as the validators take it: not blank, at most `maxText` characters. */
const text = (limits: Limits, description: string): JsonSchema => ({ type: 'string', minLength: 1, maxLength: limits.maxText, pattern: '\\S', description: `${description} ${UNITS}` });

function example(limits: Limits, withSource: boolean): JsonSchema {
  const label = { type: 'string', minLength: 1, maxLength: MAX_LABEL, pattern: '\\S', description: `No control characters, U+2028/U+2029 or lone surrogates. ${UNITS}` };
  const properties: Record<string, JsonSchema> = {
    text: text(limits, 'The text; no NUL (U+0000) and no lone surrogates.'),
    label,
    labels: { type: 'array', items: label, minItems: 1 },
    weight: numberSchema(WEIGHT_FIELD),
  };
  if (withSource) properties.source = source;
  const keys = [...EXAMPLE_FIELDS, ...(withSource ? ['source'] : [])];
  return { ...object(pick(properties, keys), keys.filter((k) => k !== 'text')), oneOf: [{ required: ['label'] }, { required: ['labels'] }] };
}

const source: JsonSchema = { type: 'string', pattern: SOURCE_PATTERN.source, default: 'api', description: 'Where the feedback came from (1 to 64 letters, digits or . _ : -).' };

function pick(properties: Record<string, JsonSchema>, keys: readonly string[]): Record<string, JsonSchema> {
  return Object.fromEntries(keys.map((k) => [k, properties[k]]));
}

/** The request bodies, by route ("POST /v1/predict"); the validators behind them are in validate.ts. */
export function requestSchemas(limits: Limits): Record<string, JsonSchema> {
  const texts = { type: 'array', items: text(limits, 'One text.'), minItems: 1, maxItems: limits.maxBatch, description: 'Several texts: the answer has a list of predictions per text.' };
  return {
    'POST /v1/predict': {
      ...object({ text: text(limits, 'One text: the answer has one list of predictions.'), texts, ...numbers(PREDICT_FIELDS) }, ['text', 'texts', ...Object.keys(PREDICT_FIELDS)]),
      oneOf: [{ required: ['text'] }, { required: ['texts'] }],
    },
    'POST /v1/feedback': {
      oneOf: [example(limits, true), object({ examples: { type: 'array', items: example(limits, false), minItems: 1, maxItems: limits.maxBatch }, source }, ['source'])],
    },
    'POST /v1/update': object(
      {
        select: { type: 'string', description: 'A selection, as `accrete update --select` takes it: all, head, new-rows, layerwise, topk-grad:F or low-fisher:F.' },
        policy: { enum: [...GATE_POLICIES], description: "The gate's rule, as `accrete update --gate-policy`: weighted (a guard loss weighed against the gain on the new data, by newShare) or guard (any guard loss beyond maxDrop vetoes). Default: the server's `--gate-policy` (weighted)." },
        growTable: { type: 'boolean', description: "Whether the n-gram table may grow when the data seen outgrows it (a grown version is a new base, swapped in whole); false as `accrete update --no-grow-table`. Default: the server's (true unless `accrete serve --no-grow-table`)." },
        ...numbers(UPDATE_FIELDS),
      },
      ['select', 'policy', 'growTable', ...Object.keys(UPDATE_FIELDS)],
    ),
  };
}

/** The empty body that routes without one accept (or no body at all). */
export const NO_BODY: JsonSchema = { type: 'object', maxProperties: 0 };

const summary = object({ n: int(), accuracy: num, macroF1: num, perLabel: arrayOf(object({ label: str, precision: num, recall: num, f1: num, support: int() })) });
const metrics = object({ guard: nullable(ref('MetricsSummary')), fresh: nullable(ref('MetricsSummary')), before: nullable(object({ guard: nullable(ref('MetricsSummary')), fresh: nullable(ref('MetricsSummary')) })) }, ['before']);
const gateCodes = ['no-data', 'budget-exhausted', 'guard-accuracy-drop', 'guard-macro-f1-drop', 'label-f1-drop', 'new-labels-take-guard', 'no-improvement'];
const job = {
  id: int(1),
  state: { enum: ['running', 'accepted', 'rejected', 'failed', 'interrupted'] },
  trigger: { enum: ['api', 'every-n', 'drift', 'cli'] },
  parent: str,
  version: nullable(str),
  options: { type: 'object' },
  feedback: object({ after: int(), upto: int() }),
  examples: int(),
  createdAt: str,
  finishedAt: nullable(str),
  reasons: nullable(arrayOf(ref('GateIssue'))),
  metrics: nullable(ref('VersionMetrics')),
  error: nullable(str),
  fault: nullable({ enum: ['environment', 'data'] }),
};
const jobDetail = object({ ...job, report: nullable(ref('UpdateReport')), quarantined: arrayOf(object({ id: int(1), text: str, labels: arrayOf(str), reason: str, job: int(1) })) });
const versionFields = {
  id: str,
  parent: nullable(str),
  createdAt: str,
  metrics: ref('VersionMetrics'),
  decision: object({ accepted: { type: 'boolean' }, reasons: arrayOf(ref('GateIssue')), source: { enum: ['import', 'update'] } }),
  fingerprint: nullable(str),
  checksum: str,
  labels: arrayOf(str),
  job: nullable(int(1)),
};
const health = object({
  status: { enum: ['ok', 'degraded'] },
  problems: arrayOf(str),
  updates: object({ consecutiveFailures: int(), lastFailure: nullable(object({ at: str, job: int(1), fault: { enum: ['environment', 'data'] }, message: str })), retryInMs: num }),
});

/** Shared schemas (components.schemas). */
export const COMPONENTS: Record<string, JsonSchema> = {
  Error: object({ error: object({ code: { enum: [...Object.keys(STATUS), 'INTERNAL'] }, message: str }) }),
  Prediction: object({ label: str, score: { type: 'number', minimum: 0, maximum: 1 } }),
  PredictAnswer: object({ version: str, predictions: { anyOf: [arrayOf(ref('Prediction')), arrayOf(arrayOf(ref('Prediction')))] } }),
  FeedbackAnswer: object({ accepted: int(1), ids: arrayOf(int(1)), pending: int() }),
  GateIssue: object({ code: { enum: gateCodes }, metric: str, label: str, before: num, after: num, threshold: num, message: str }, ['label']),
  UpdateReport: object({ accepted: { type: 'boolean' }, reasons: arrayOf(ref('GateIssue')), selection: str, newLabels: arrayOf(str), rounds: { type: 'array' }, bestRound: int() }, [], true),
  UpdateAnswer: object({ accepted: { type: 'boolean' }, version: str, created: nullable(str), reasons: arrayOf(ref('GateIssue')), report: nullable(ref('UpdateReport')), job: nullable(int(1)) }),
  MetricsSummary: summary,
  VersionMetrics: metrics,
  Job: object(job),
  JobDetail: jobDetail,
  Models: object({ active: str, totalBytes: int(), models: arrayOf(object({ ...versionFields, bytes: int() })) }),
  Version: object({ ...versionFields, options: { type: 'object' }, path: str, removedAt: nullable(str), active: { type: 'boolean' }, update: nullable(ref('JobDetail')) }, ['removedAt']),
  Activation: object({ active: str, previous: nullable(str) }),
  Updates: object({ running: nullable(object({ job: int(1), trigger: str, startedAt: str })), updates: arrayOf(ref('Job')) }),
  Health: object({ ok: { const: true }, version: str, ...(health.properties as Record<string, JsonSchema>) }),
  Stats: object({
    active: str,
    feedback: object({ stored: int(), pending: int(), quarantined: int(), series: object({ bucketMs: int(1), buckets: arrayOf(object({ start: int(), count: int(), errors: int() })) }) }),
    health,
    live: object({ errorRate: nullable({ type: 'number', minimum: 0, maximum: 1 }), events: int(), window: int() }),
    drift: nullable({ type: 'object' }),
    update: object({ running: nullable(object({ job: int(1), trigger: str, startedAt: str })), every: nullable(int(1)), onDrift: { type: 'boolean' } }),
  }),
};
