/**
 * The routes of the HTTP API (design.md, Service): one table of method, path pattern, whether the
 * route writes (and so needs the token), and the handler. Path parameters are single, decoded
 * segments; handlers validate them before they touch the registry.
 */
import type { IncomingMessage } from 'node:http';
import { basename } from 'node:path';
import { AccreteError } from '../errors.js';
import { isVersionId } from '../registry/files.js';
import { readJson } from './body.js';
import { openApiDocument } from './openapi.js';
import type { Service } from './service.js';
import type { VersionRecord } from '../registry/types.js';
import { feedbackRequest, predictRequest, updateRequest } from './validate.js';

export interface Answer {
  status?: number;
  json?: unknown;
  /** A non-JSON body with its content type. */
  raw?: { type: string; body: string | Buffer; headers?: Record<string, string> };
}

export interface Route {
  method: 'GET' | 'POST';
  /** Segments; `:name` matches one segment. */
  path: string;
  write: boolean;
  /** `gone` aborts when the client disconnects before its answer. */
  handle: (s: Service, req: IncomingMessage, params: Record<string, string>, gone: AbortSignal) => Answer | Promise<Answer>;
}

function versionParam(id: string): string {
  if (!isVersionId(id)) throw new AccreteError('NOT_FOUND', `no version ${JSON.stringify(id.slice(0, 80))}: version ids look like v1, v2, ...`);
  return id;
}

function jobParam(id: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(id)) throw new AccreteError('NOT_FOUND', `no update job ${JSON.stringify(id.slice(0, 80))}: job ids are positive integers`);
  return Number(id);
}

/** A version's options without the absolute path it was imported from (only its base name). */
function publicOptions(options: Record<string, unknown>): Record<string, unknown> {
  return typeof options.importedFrom === 'string' ? { ...options, importedFrom: basename(options.importedFrom) } : options;
}

/** A version as GET /v1/models lists it. */
const listed = (v: VersionRecord) => ({
  id: v.id,
  parent: v.parent,
  createdAt: v.createdAt,
  metrics: v.metrics,
  decision: v.decision,
  fingerprint: v.fingerprint,
  checksum: v.checksum,
  labels: v.labels,
  job: v.job,
});

export function apiRoutes(dashboard: () => string): Route[] {
  const routes: Route[] = [
    // The OpenAPI 3.1 document of these routes (openapi.ts), with the limits this server applies.
    { method: 'GET', path: '/openapi.json', write: false, handle: (s) => ({ json: openApiDocument(routes, s.limits) }) },
    { method: 'GET', path: '/', write: false, handle: () => ({ raw: { type: 'text/html; charset=utf-8', body: dashboard(), headers: DASHBOARD_HEADERS } }) },
    { method: 'GET', path: '/metrics', write: false, handle: (s) => ({ raw: { type: 'text/plain; version=0.0.4; charset=utf-8', body: s.metrics.render() } }) },
    // ok: the server answers predictions; status 'degraded' while updates keep failing or storage faults.
    { method: 'GET', path: '/v1/health', write: false, handle: async (s) => ({ json: { ok: true, version: s.active.id, ...s.health.report(), ...(await s.replicaReport()) } }) },
    { method: 'POST', path: '/v1/predict', write: false, handle: async (s, req, _p, gone) => ({ json: await s.predict(predictRequest(await readJson(req, s.limits.maxBody), s.limits), gone) }) },
    { method: 'POST', path: '/v1/feedback', write: true, handle: async (s, req, _p, gone) => ({ json: await s.feedback(feedbackRequest(await readJson(req, s.limits.maxBody), s.limits), gone) }) },
    { method: 'POST', path: '/v1/update', write: true, handle: async (s, req) => ({ json: await s.update(updateRequest(await readJson(req, s.limits.maxBody, {}))) }) },
    { method: 'GET', path: '/v1/updates', write: false, handle: async (s) => ({ json: { running: s.updates.running, updates: await s.registry.jobs(100) } }) },
    { method: 'GET', path: '/v1/updates/:job', write: false, handle: async (s, _req, p) => ({ json: await s.registry.job(jobParam(p.job)) }) },
    {
      method: 'GET',
      path: '/v1/models',
      write: false,
      handle: async (s) => {
        // bytes: what each version adds on disk (a patch, when it shares its parent's files).
        const usage = await s.registry.diskUsage();
        return { json: { active: s.active.id, totalBytes: usage.total, models: (await s.registry.versions()).map((v) => ({ ...listed(v), bytes: usage.byVersion.get(v.id) ?? 0 })) } };
      },
    },
    { method: 'POST', path: '/v1/models/rollback', write: true, handle: async (s, req) => (await noBody(s, req), { json: await s.rollback() }) },
    {
      method: 'GET',
      path: '/v1/models/:id',
      write: false,
      handle: async (s, _req, p) => {
        const v = await s.registry.version(versionParam(p.id));
        return { json: { ...v, options: publicOptions(v.options), active: v.id === s.active.id, update: v.job === null ? null : await s.registry.job(v.job) } };
      },
    },
    { method: 'POST', path: '/v1/models/:id/activate', write: true, handle: async (s, req, p) => (await noBody(s, req), { json: await s.activate(versionParam(p.id)) }) },
    {
      method: 'GET',
      path: '/v1/stats',
      write: false,
      handle: async (s) => ({
        json: {
          active: s.active.id,
          feedback: { stored: await s.registry.feedbackCount(), pending: s.pending, quarantined: await s.registry.quarantinedCount(), series: await s.registry.feedbackSeries() },
          health: s.health.report(),
          live: { errorRate: s.live.rate(), events: s.live.count, window: s.live.size },
          drift: s.driftState(),
          update: { running: s.updates.running, every: s.options.updateEvery ?? null, onDrift: s.drift !== null },
        },
      }),
    },
  ];
  return routes;
}

/** Routes that take no body accept an empty one or `{}`, and nothing else. */
async function noBody(s: Service, req: IncomingMessage): Promise<void> {
  const body = await readJson(req, s.limits.maxBody, {});
  if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).length > 0) throw new AccreteError('BAD_REQUEST', 'this route takes no body (or an empty object)');
}

/** The dashboard runs only its own inline code and talks only to this server. */
const DASHBOARD_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
};
