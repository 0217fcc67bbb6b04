/**
 * GET /openapi.json: a structurally valid OpenAPI 3.1 document (checked by a focused checker written
 * from the specification, which also checks the examples, and by an independent validator), the same as docs/openapi.json, whose request
 * schemas accept and refuse exactly what the validators do at every bound, and whose examples,
 * replayed against a running server, get the documented status and answers of the documented shape.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dashboardHtml } from '../dashboard/page.js';
import { openApiDocument } from './openapi.js';
import { apiRoutes } from './routes.js';
import { call, servedTinyModel } from './testing.js';
import { DEFAULT_LIMITS, feedbackRequest, predictRequest, updateRequest } from './validate.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const served = servedTinyModel('accrete-openapi-');
const DOCS_COPY = fileURLToPath(new URL('../../docs/openapi.json', import.meta.url));

// ---- JSON Schema (the 2020-12 subset the document uses), checked and applied ----

const KEYWORDS = new Set(['$ref', 'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems', 'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'anyOf', 'oneOf', 'maxProperties', 'default', 'description']);
const TYPES = new Set(['null', 'boolean', 'object', 'array', 'number', 'integer', 'string']);

function resolve(doc: Json, ref: string): Json | undefined {
  const target = ref.startsWith('#/') ? ref.slice(2).split('/').reduce<Json | undefined>((o, k) => o?.[k], doc) : undefined;
  return target && typeof target === 'object' ? target : undefined;
}

/** Problems with a schema's own form: unknown keywords (a typo is silently ignored by validators), bad types. */
function schemaProblems(s: Json, at: string): string[] {
  if (typeof s !== 'object' || s === null || Array.isArray(s)) return [`${at}: a schema must be an object`];
  const out = Object.keys(s).filter((k) => !KEYWORDS.has(k)).map((k) => `${at}: unknown keyword "${k}"`);
  for (const t of [s.type ?? []].flat()) if (!TYPES.has(t)) out.push(`${at}: unknown type ${t}`);
  if (s.required && !(Array.isArray(s.required) && s.required.every((r: unknown) => typeof r === 'string'))) out.push(`${at}: required must list strings`);
  if (s.pattern !== undefined) {
    try {
      new RegExp(s.pattern, 'u');
    } catch {
      out.push(`${at}: pattern ${s.pattern} is not a regular expression`);
    }
  }
  for (const [k, v] of Object.entries(s.properties ?? {})) out.push(...schemaProblems(v as Json, `${at}.properties.${k}`));
  for (const k of ['items', 'additionalProperties']) if (typeof s[k] === 'object') out.push(...schemaProblems(s[k], `${at}.${k}`));
  for (const k of ['anyOf', 'oneOf']) (s[k] ?? []).forEach((v: Json, i: number) => out.push(...schemaProblems(v, `${at}.${k}[${i}]`)));
  return out;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Where `value` breaks `schema` (empty when it fits). */
function mismatches(doc: Json, schema: Json, value: unknown, at = '$'): string[] {
  if (schema.$ref) {
    const target = resolve(doc, schema.$ref);
    return target ? mismatches(doc, target, value, at) : [`${at}: unresolved $ref ${schema.$ref}`];
  }
  const out: string[] = [];
  const t = typeOf(value);
  if (schema.type !== undefined) {
    const types: string[] = [schema.type].flat();
    if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) return [`${at}: ${t} where ${types.join(' or ')} is expected`];
  }
  if (schema.enum && !schema.enum.includes(value)) out.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if ('const' in schema && schema.const !== value) out.push(`${at}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`);
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) out.push(`${at}: ${value} < minimum ${schema.minimum}`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) out.push(`${at}: ${value} <= exclusiveMinimum ${schema.exclusiveMinimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) out.push(`${at}: ${value} > maximum ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (schema.minLength !== undefined && length < schema.minLength) out.push(`${at}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && length > schema.maxLength) out.push(`${at}: longer than ${schema.maxLength}`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) out.push(`${at}: does not match ${schema.pattern}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) out.push(`${at}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) out.push(`${at}: more than ${schema.maxItems} items`);
    if (schema.items) value.forEach((v, i) => out.push(...mismatches(doc, schema.items, v, `${at}[${i}]`)));
  }
  if (t === 'object') {
    const o = value as Json;
    for (const k of schema.required ?? []) if (!(k in o)) out.push(`${at}: no "${k}"`);
    if (schema.maxProperties !== undefined && Object.keys(o).length > schema.maxProperties) out.push(`${at}: more than ${schema.maxProperties} properties`);
    for (const [k, v] of Object.entries(o)) {
      const p = schema.properties?.[k];
      if (p) out.push(...mismatches(doc, p, v, `${at}.${k}`));
      else if (schema.additionalProperties === false) out.push(`${at}: property "${k}" is not allowed`);
      else if (typeof schema.additionalProperties === 'object') out.push(...mismatches(doc, schema.additionalProperties, v, `${at}.${k}`));
    }
  }
  if (schema.anyOf && !schema.anyOf.some((s: Json) => mismatches(doc, s, value, at).length === 0)) out.push(`${at}: matches none of anyOf (${schema.anyOf.map((s: Json) => mismatches(doc, s, value, at)[0]).join('; ')})`);
  if (schema.oneOf) {
    const fits = schema.oneOf.filter((s: Json) => mismatches(doc, s, value, at).length === 0).length;
    if (fits !== 1) out.push(`${at}: matches ${fits} of oneOf, not exactly 1`);
  }
  return out;
}

// ---- OpenAPI 3.1 structure ----

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every problem the document has as an OpenAPI 3.1 document (the parts of the specification it uses). */
function openApiProblems(doc: Json): string[] {
  const out: string[] = [];
  const need = (ok: unknown, what: string) => void (ok || out.push(what));
  need(/^3\.1\.\d+$/.test(doc.openapi), 'openapi must be 3.1.x');
  need(typeof doc.info?.title === 'string' && typeof doc.info?.version === 'string', 'info needs title and version');
  if (doc.info?.license) need(typeof doc.info.license.name === 'string' && !(doc.info.license.identifier && doc.info.license.url), 'info.license needs a name, and identifier or url, not both');
  const schemes = doc.components?.securitySchemes ?? {};
  for (const [name, s] of Object.entries<Json>(schemes)) need(['apiKey', 'http', 'mutualTLS', 'oauth2', 'openIdConnect'].includes(s.type) && (s.type !== 'http' || typeof s.scheme === 'string'), `securityScheme ${name} is malformed`);
  for (const [name, s] of Object.entries<Json>(doc.components?.schemas ?? {})) out.push(...schemaProblems(s, `components.schemas.${name}`));
  const ids = new Set<string>();
  need(doc.paths && typeof doc.paths === 'object', 'paths must be an object');
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    need(path.startsWith('/'), `path ${path} must start with /`);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(item)) need([...METHODS, 'parameters', 'summary', 'description', 'servers', '$ref'].includes(key), `${path}: unknown field ${key}`);
    for (const method of METHODS.filter((m) => item[m])) {
      const op = item[method];
      const at = `${method.toUpperCase()} ${path}`;
      need(typeof op.operationId === 'string' && !ids.has(op.operationId), `${at}: operationId missing or not unique`);
      ids.add(op.operationId);
      const params: Json[] = op.parameters ?? [];
      for (const p of params) {
        need(typeof p.name === 'string' && ['query', 'header', 'path', 'cookie'].includes(p.in) && (p.schema || p.content), `${at}: parameter ${p.name} is malformed`);
        if (p.in === 'path') need(p.required === true, `${at}: path parameter ${p.name} must be required`);
        if (p.schema) out.push(...schemaProblems(p.schema, `${at} parameter ${p.name}`));
        for (const [name, e] of Object.entries<Json>(p.examples ?? {})) out.push(...mismatches(doc, p.schema, e.value, `${at} parameter ${p.name} example ${name}`));
      }
      need(JSON.stringify(params.filter((p) => p.in === 'path').map((p) => p.name).sort()) === JSON.stringify(templated), `${at}: path parameters must match the template`);
      if (op.requestBody) {
        need(op.requestBody.content && Object.keys(op.requestBody.content).length > 0, `${at}: requestBody needs content`);
        // A request example answered with an error shows what the schema refuses: it must not fit.
        const refused = (name: string) => Object.entries<Json>(op.responses ?? {}).some(([status, r]) => status >= '400' && r.content?.['application/json']?.examples?.[name]);
        out.push(...mediaProblems(doc, op.requestBody.content, `${at} requestBody`, refused));
      }
      for (const req of op.security ?? []) for (const name of Object.keys(req)) need(name in schemes, `${at}: security scheme ${name} is not declared`);
      const responses = Object.entries<Json>(op.responses ?? {});
      need(responses.length > 0, `${at}: no responses`);
      for (const [status, r] of responses) {
        need(/^([1-5](\d\d|XX)|default)$/.test(status), `${at}: response key ${status}`);
        need(typeof r.description === 'string', `${at} ${status}: a response needs a description`);
        out.push(...mediaProblems(doc, r.content ?? {}, `${at} ${status}`));
      }
    }
  }
  // Every reference anywhere resolves.
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v && typeof v === 'object') {
      const ref = (v as Json).$ref;
      if (typeof ref === 'string') need(resolve(doc, ref), `unresolved $ref ${ref}`);
      Object.values(v).forEach(walk);
    }
  };
  walk(doc);
  return out;
}

function mediaProblems(doc: Json, content: Json, at: string, refused: (name: string) => boolean = () => false): string[] {
  const out: string[] = [];
  for (const [type, media] of Object.entries<Json>(content)) {
    if (!/^[\w.+-]+\/[\w.+-]+$/.test(type)) out.push(`${at}: media type ${type}`);
    if ('example' in media && 'examples' in media) out.push(`${at}: example and examples are exclusive`);
    if (media.schema) out.push(...schemaProblems(media.schema, `${at} ${type}`));
    for (const [name, e] of Object.entries<Json>(media.examples ?? {})) {
      if (!('value' in e)) out.push(`${at}: example ${name} has no value`);
      else if (!refused(name)) out.push(...mismatches(doc, media.schema, e.value, `${at} example ${name}`));
      else if (mismatches(doc, media.schema, e.value).length === 0) out.push(`${at}: example ${name} is answered with an error but fits the schema`);
    }
  }
  return out;
}

test('the checker can fail: it finds a wrong version, a typo in a keyword, an unresolved reference and a bad example', () => {
  const doc = openApiDocument(apiRoutes(dashboardHtml)) as Json;
  const broken = structuredClone(doc);
  broken.openapi = '3.0.3';
  broken.components.schemas.Prediction.properties.score.minimun = 0;
  broken.paths['/v1/health'].get.responses['200'].content['application/json'].schema = { $ref: '#/components/schemas/Nope' };
  broken.paths['/v1/predict'].post.requestBody.content['application/json'].examples.one.value.k = 5000;
  const problems = openApiProblems(broken).join('\n');
  for (const p of [/openapi must be 3\.1/, /unknown keyword "minimun"/, /unresolved \$ref #\/components\/schemas\/Nope/, /example one\.k: 5000 > maximum 1000/]) assert.match(problems, p);
});

test('GET /openapi.json is a valid OpenAPI 3.1 document with every route, and docs/openapi.json is the same document', async () => {
  const r = await call(served.url, 'GET', '/openapi.json', undefined, false);
  assert.equal(r.status, 200);
  assert.deepEqual(openApiProblems(r.json), []);
  const routes = apiRoutes(dashboardHtml);
  const documented = Object.entries<Json>(r.json.paths).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`));
  assert.deepEqual(documented.sort(), routes.map((x) => `${x.method} ${x.path}`).sort());
  for (const route of routes) assert.equal(r.json.paths[route.path.replace(/:(\w+)/g, '{$1}')][route.method.toLowerCase()].security.length > 0, route.write, `${route.path}: security says whether the token is needed`);
  const copy = JSON.parse(readFileSync(DOCS_COPY, 'utf8'));
  assert.deepEqual(copy, r.json, 'docs/openapi.json is stale: regenerate it with `npm run build && node scripts/openapi.mjs > docs/openapi.json`');
});

test('an independent validator (@seriousme/openapi-schema-validator, the OpenAPI 3.1 JSON schemas) accepts the document and refuses a broken one', async () => {
  const { Validator } = await import('@seriousme/openapi-schema-validator');
  const doc = openApiDocument(apiRoutes(dashboardHtml)) as Json;
  const ok = await new Validator().validate(structuredClone(doc));
  assert.equal(ok.valid, true, JSON.stringify(ok.errors));
  const broken = structuredClone(doc);
  delete broken.paths['/v1/health'].get.responses;
  broken.info.version = 7;
  const bad = await new Validator().validate(broken);
  assert.equal(bad.valid, false, 'a document without responses and with a numeric info.version must be refused');
});

// ---- The schemas and the validators agree at every bound ----

const VALIDATORS: Record<string, (body: unknown) => unknown> = {
  '/v1/predict': (b) => predictRequest(b, DEFAULT_LIMITS),
  '/v1/feedback': (b) => feedbackRequest(b, DEFAULT_LIMITS),
  '/v1/update': (b) => updateRequest(b),
};

function accepted(path: string, body: unknown): boolean {
  try {
    VALIDATORS[path](body);
    return true;
  } catch (err) {
    assert.equal((err as { code?: string }).code, 'BAD_REQUEST', String(err));
    return false;
  }
}

test('request schemas and validators agree: each number at and beyond its bounds, lengths, counts and unknown fields', () => {
  const doc = openApiDocument(apiRoutes(dashboardHtml)) as Json;
  let cases = 0;
  for (const path of Object.keys(VALIDATORS)) {
    const media = doc.paths[path].post.requestBody.content['application/json'];
    const bodySchema = media.schema;
    const base = Object.values<Json>(media.examples ?? {}).map((e) => e.value).find((v) => accepted(path, v)) ?? {};
    const agree = (body: unknown, what: string) => {
      cases++;
      const server = accepted(path, body);
      const schema = mismatches(doc, bodySchema, body);
      assert.equal(schema.length === 0, server, `${path} ${what}: the validator ${server ? 'accepts' : 'refuses'} it, the schema ${schema.length ? `refuses it (${schema[0]})` : 'accepts it'}`);
    };
    agree(base, 'the example');
    agree({ ...base, surplus: 1 }, 'an unknown field');
    // The properties of the body, or of its first alternative (feedback's single example).
    const props: Record<string, Json> = bodySchema.properties ?? bodySchema.oneOf[0].properties;
    for (const [key, p] of Object.entries(props)) {
      if (p.type === 'integer' || p.type === 'number') {
        const step = p.type === 'integer' ? 1 : 1e-6;
        const low = p.exclusiveMinimum ?? p.minimum;
        agree({ ...base, [key]: p.maximum }, `${key} at its maximum`);
        agree({ ...base, [key]: p.maximum + step }, `${key} above its maximum`);
        agree({ ...base, [key]: p.exclusiveMinimum === undefined ? low : low + step }, `${key} at its minimum`);
        agree({ ...base, [key]: low - step }, `${key} below its minimum`);
        if (p.type === 'integer') agree({ ...base, [key]: low + 0.5 }, `${key} not an integer`);
        agree({ ...base, [key]: String(p.maximum) }, `${key} as a string`);
      }
      if (p.type === 'string' && p.maxLength !== undefined && typeof base[key] === 'string') {
        agree({ ...base, [key]: 'x'.repeat(p.maxLength) }, `${key} at its longest`);
        agree({ ...base, [key]: 'x'.repeat(p.maxLength + 1) }, `${key} too long`);
        agree({ ...base, [key]: ' ' }, `${key} blank`);
      }
      if (p.type === 'array' && p.maxItems !== undefined && Array.isArray(base[key])) {
        agree({ ...base, [key]: Array(p.maxItems).fill(base[key][0]) }, `${key} at its most items`);
        agree({ ...base, [key]: Array(p.maxItems + 1).fill(base[key][0]) }, `${key} over its most items`);
        agree({ ...base, [key]: [] }, `${key} empty`);
      }
    }
  }
  assert.ok(cases > 80, `only ${cases} cases: are the bodies documented?`);
});

// ---- Every example replayed against the running server ----

test('every documented example, replayed in the order of the document, gets its documented status and an answer of the documented shape', async () => {
  const doc = (await call(served.url, 'GET', '/openapi.json', undefined, false)).json as Json;
  const replayed: string[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const method of METHODS.filter((m) => item[m])) {
      const op = item[method];
      const bodies: Json = op.requestBody?.content['application/json'].examples ?? {};
      const names = new Set<string>(Object.keys(bodies));
      for (const p of op.parameters ?? []) for (const n of Object.keys(p.examples ?? {})) names.add(n);
      const statusOf = (name: string) => Number(Object.entries<Json>(op.responses).find(([, r]) => r.content?.['application/json']?.examples?.[name])?.[0] ?? 200);
      for (const name of names.size ? names : ['(plain)']) {
        const url = path.replace(/\{(\w+)\}/g, (_m, p: string) => op.parameters.find((x: Json) => x.name === p).examples[name].value);
        const r = await call(served.url, method.toUpperCase(), url, bodies[name]?.value, op.security.length > 0);
        const at = `${method.toUpperCase()} ${url} (${name})`;
        const status = statusOf(name);
        assert.equal(r.status, status, `${at}: ${r.text.slice(0, 300)}`);
        const response = op.responses[String(r.status)];
        assert.ok(response, `${at}: status ${r.status} is not documented`);
        const [type, media] = Object.entries<Json>(response.content)[0];
        assert.ok(r.headers['content-type'].startsWith(type), `${at}: content-type ${r.headers['content-type']}, documented ${type}`);
        if (type === 'application/json') {
          assert.deepEqual(mismatches(doc, media.schema, r.json), [], `${at}: the answer does not fit its schema: ${r.text.slice(0, 500)}`);
          const documented = media.examples?.[name]?.value;
          // An error example is the server's exact answer; a 200 example is of the same shape.
          if (status !== 200 && documented) assert.deepEqual(r.json, documented, `${at}: the documented error is not what the server says`);
        }
        replayed.push(at);
      }
    }
  }
  assert.ok(replayed.length >= 20, `only ${replayed.length} examples replayed`);
  assert.ok(replayed.some((r) => r.startsWith('POST /v1/models/rollback')) && replayed.some((r) => r.startsWith('POST /v1/models/v2/activate')), replayed.join('\n'));
});
