/**
 * The OpenAPI 3.1 document of the HTTP API (GET /openapi.json), generated from the route table
 * (routes.ts: methods, paths, which routes need the token) and the schemas the validators read
 * (openapiSchemas.ts, validate.ts). A route without an entry in OPERATIONS makes the generator
 * throw, so a new route cannot go undocumented; the examples are replayed by openapi.test.ts.
 */
import { readFileSync } from 'node:fs';
import type { Route } from './routes.js';
import { COMPONENTS, NO_BODY, ref, requestSchemas, type JsonSchema } from './openapiSchemas.js';
import { DEFAULT_LIMITS, type Limits } from './validate.js';

/** An example request and what it is answered with (`status`; `answer` is illustrative). */
export interface OperationExample {
  summary: string;
  body?: unknown;
  params?: Record<string, string>;
  status: number;
  answer?: unknown;
}

interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  /** The schema of the 200 answer (JSON), unless `content` says it is another type. */
  answer?: JsonSchema;
  content?: { type: string; description: string };
  /** Error statuses this route can answer besides 400/401/405/413/503 that every route may give. */
  errors?: number[];
  examples: Record<string, OperationExample>;
}

const plant = 'a tall plant with woody stems';

/** One entry per route, by "METHOD /path" as routes.ts spells it. */
export const OPERATIONS: Record<string, Operation> = {
  'GET /': { operationId: 'dashboard', summary: 'The dashboard (HTML, no external resources).', content: { type: 'text/html', description: 'The dashboard page.' }, examples: { page: { summary: 'The page', status: 200 } } },
  'GET /openapi.json': { operationId: 'openapi', summary: 'This document.', answer: { type: 'object', required: ['openapi', 'info', 'paths'] }, examples: { document: { summary: 'The OpenAPI document', status: 200 } } },
  'GET /metrics': { operationId: 'metrics', summary: 'Prometheus metrics: requests, predictions per label, feedback, updates, drift.', content: { type: 'text/plain', description: 'Prometheus text format 0.0.4.' }, examples: { scrape: { summary: 'A scrape', status: 200 } } },
  'GET /v1/health': {
    operationId: 'health',
    summary: 'Whether the server answers predictions, and with which version.',
    description: '`status` is `degraded` while updates keep failing or after a storage fault; predictions go on.',
    answer: ref('Health'),
    examples: { ok: { summary: 'A healthy server', status: 200, answer: { ok: true, version: 'v1', status: 'ok', problems: [], updates: { consecutiveFailures: 0, lastFailure: null, retryInMs: 0 } } } },
  },
  'POST /v1/predict': {
    operationId: 'predict',
    summary: 'Predict the labels of one text or of several.',
    description: 'Work is shared round-robin between requests; too much queued work gets 503 `OVERLOADED` with `Retry-After`.',
    answer: ref('PredictAnswer'),
    examples: {
      one: { summary: 'One text, two labels', body: { text: plant, k: 2 }, status: 200, answer: { version: 'v1', predictions: [{ label: 'noun.animal', score: 0.86 }, { label: 'noun.artifact', score: 0.14 }] } },
      several: { summary: 'Several texts', body: { texts: ['a small domesticated carnivore', 'move fast'] }, status: 200, answer: { version: 'v1', predictions: [[{ label: 'noun.animal', score: 0.91 }], [{ label: 'verb.motion', score: 0.88 }]] } },
      both: { summary: 'Both text and texts: refused', body: { text: 'a', texts: ['b'] }, status: 400, answer: { error: { code: 'BAD_REQUEST', message: 'send either "text" (a string) or "texts" (an array of strings)' } } },
      badK: { summary: 'k out of range', body: { text: plant, k: 0 }, status: 400, answer: { error: { code: 'BAD_REQUEST', message: '"k" must be an integer from 1 to 1000, got 0' } } },
    },
  },
  'POST /v1/feedback': {
    operationId: 'feedback',
    summary: 'Store feedback: texts with their true labels. Answered once the events are on disk.',
    answer: ref('FeedbackAnswer'),
    examples: {
      one: { summary: 'One example', body: { text: plant, label: 'noun.plant' }, status: 200, answer: { accepted: 1, ids: [1], pending: 1 } },
      batch: { summary: 'Several examples', body: { examples: [{ text: 'a domestic animal kept for company', label: 'noun.animal' }, { text: 'run quickly', labels: ['verb.motion'], weight: 2 }], source: 'review-queue' }, status: 200, answer: { accepted: 2, ids: [2, 3], pending: 3 } },
      unknownField: { summary: 'A typo in a field name', body: { text: plant, lable: 'noun.plant' }, status: 400, answer: { error: { code: 'BAD_REQUEST', message: 'unknown field "lable" in the body; allowed: examples, source, text, label, labels, weight' } } },
    },
  },
  'POST /v1/update': {
    operationId: 'update',
    summary: 'Learn the pending feedback: an update through the gate.',
    description: 'Answers the gate decision: `accepted` false (with `reasons`) is a 200 too. 409 while another update runs.',
    answer: ref('UpdateAnswer'),
    errors: [409, 422],
    examples: {
      gated: { summary: 'An update with a looser gate and a time budget', body: { maxDrop: 0.1, budgetMs: 30000 }, status: 200, answer: { accepted: true, version: 'v2', created: 'v2', reasons: [], report: { accepted: true, reasons: [], selection: 'all', newLabels: ['noun.plant'], rounds: [], bestRound: 1 }, job: 1 } },
      badRatio: { summary: 'replayRatio above its cap', body: { replayRatio: 11 }, status: 400, answer: { error: { code: 'BAD_REQUEST', message: '"replayRatio" must be a number in (0, 10], got 11' } } },
    },
  },
  'GET /v1/updates': { operationId: 'listUpdates', summary: 'The last 100 update jobs and the running one.', answer: ref('Updates'), examples: { list: { summary: 'The jobs', status: 200 } } },
  'GET /v1/updates/:job': {
    operationId: 'getUpdate',
    summary: 'One update job with its report and its quarantined events.',
    answer: ref('JobDetail'),
    errors: [404],
    examples: { first: { summary: 'Job 1', params: { job: '1' }, status: 200 }, missing: { summary: 'No such job', params: { job: '999' }, status: 404, answer: { error: { code: 'NOT_FOUND', message: 'no update job 999' } } } },
  },
  'GET /v1/models': { operationId: 'listModels', summary: 'The versions, the active one and the bytes each adds on disk.', answer: ref('Models'), examples: { list: { summary: 'The versions', status: 200 } } },
  'POST /v1/models/rollback': {
    operationId: 'rollback',
    summary: 'Activate the parent of the active version.',
    answer: ref('Activation'),
    errors: [409, 422],
    examples: { back: { summary: 'Roll back', status: 200, answer: { active: 'v1', previous: 'v2' } } },
  },
  'GET /v1/models/:id': {
    operationId: 'getModel',
    summary: 'One version with its options, metrics and update job.',
    answer: ref('Version'),
    errors: [404],
    examples: { first: { summary: 'Version v1', params: { id: 'v1' }, status: 200 }, missing: { summary: 'Not a version id', params: { id: 'latest' }, status: 404, answer: { error: { code: 'NOT_FOUND', message: 'no version "latest": version ids look like v1, v2, ...' } } } },
  },
  'POST /v1/models/:id/activate': {
    operationId: 'activate',
    summary: 'Serve another version (422 when its files do not load).',
    answer: ref('Activation'),
    errors: [404, 409, 422],
    examples: { again: { summary: 'Activate v2', params: { id: 'v2' }, status: 200, answer: { active: 'v2', previous: 'v1' } } },
  },
  'GET /v1/stats': { operationId: 'stats', summary: 'Feedback stored and pending, live error rate, drift state, health.', answer: ref('Stats'), examples: { now: { summary: 'The statistics', status: 200 } } },
};

const ERRORS: Record<number, string> = {
  400: 'A bad request: the message names the field and what it must be.',
  401: 'A missing or wrong bearer token.',
  404: 'No such version, job or route.',
  405: 'Another method is allowed here (see `Allow`).',
  409: 'A conflict: an update already running, or nothing to roll back to.',
  413: 'The body is over `--max-body`.',
  422: 'The version does not load, or the update diverged.',
  503: 'Shutting down, overloaded or a storage fault (`Retry-After` says when to try again).',
};

const json = (schema: JsonSchema, examples?: Record<string, { summary: string; value: unknown }>) => ({ 'application/json': { schema, ...(examples && Object.keys(examples).length ? { examples } : {}) } });

function examplesOf(op: Operation, status: number, field: 'body' | 'answer') {
  const out: Record<string, { summary: string; value: unknown }> = {};
  for (const [name, e] of Object.entries(op.examples)) if ((field === 'body' || e.status === status) && e[field] !== undefined) out[name] = { summary: e.summary, value: e[field] };
  return out;
}

function operation(route: Route, op: Operation, bodies: Record<string, JsonSchema>) {
  const key = `${route.method} ${route.path}`;
  const params = route.path.split('/').filter((p) => p.startsWith(':')).map((p) => p.slice(1));
  const statuses = [...new Set([...(route.method === 'POST' ? [400, 413] : []), ...(route.write ? [401] : []), ...(op.errors ?? []), 503])].sort((a, b) => a - b);
  const answer = op.content ? { description: op.content.description, content: { [op.content.type]: { schema: { type: 'string' } } } } : { description: 'OK', content: json(op.answer ?? {}, examplesOf(op, 200, 'answer')) };
  const body = route.method === 'POST' ? (bodies[key] ?? NO_BODY) : undefined;
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(params.length ? { parameters: params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' }, examples: pathExamples(op, name) })) } : {}),
    ...(body ? { requestBody: { required: bodies[key] !== undefined && key !== 'POST /v1/update', content: json(body, examplesOf(op, 0, 'body')) } } : {}),
    ...(route.write ? { security: [{ bearer: [] }] } : { security: [] }),
    responses: {
      '200': answer,
      ...Object.fromEntries(statuses.map((s) => [String(s), { description: ERRORS[s], content: json(ref('Error'), examplesOf(op, s, 'answer')) }])),
    },
  };
}

function pathExamples(op: Operation, name: string) {
  return Object.fromEntries(Object.entries(op.examples).flatMap(([k, e]) => (e.params?.[name] === undefined ? [] : [[k, { summary: e.summary, value: e.params[name] }]])));
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** The document for these routes and limits (the limits bound text lengths and batch sizes). */
export function openApiDocument(routes: readonly Route[], limits: Limits = DEFAULT_LIMITS): Record<string, unknown> {
  const bodies = requestSchemas(limits);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const op = OPERATIONS[`${route.method} ${route.path}`];
    if (!op) throw new Error(`openapi: the route ${route.method} ${route.path} has no entry in OPERATIONS (src/serve/openapi.ts)`);
    // The document tells an example's status by the answer it lists under it; 200 otherwise.
    const unanswered = Object.keys(op.examples).find((k) => op.examples[k].status !== 200 && op.examples[k].answer === undefined);
    if (unanswered) throw new Error(`openapi: example ${unanswered} of ${route.method} ${route.path} needs an answer (its status is not 200)`);
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    (paths[path] ??= {})[route.method.toLowerCase()] = operation(route, op, bodies);
  }
  const documented = new Set(routes.map((r) => `${r.method} ${r.path}`));
  const stale = Object.keys(OPERATIONS).filter((k) => !documented.has(k));
  if (stale.length) throw new Error(`openapi: OPERATIONS documents routes the server does not have: ${stale.join(', ')}`);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Accrete',
      version: packageVersion(),
      description: 'Predictions, feedback and gated updates of a text classifier, with its versions. Writes need `Authorization: Bearer <token>` (ACCRETE_TOKEN). Every route answers HEAD for GET. See docs/serve.md.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: 'http://127.0.0.1:8080' }],
    paths,
    components: { schemas: COMPONENTS, securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
  };
}
