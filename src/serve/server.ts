/**
 * The HTTP server (node:http) of `accrete serve`: matches a route, checks the token on writes,
 * runs the handler and answers JSON; every error becomes a status from the one table in status.ts
 * and a JSON message. Binds 127.0.0.1 unless told otherwise.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dashboardHtml } from '../dashboard/page.js';
import { AccreteError } from '../errors.js';
import { bearerCheck } from './auth.js';
import { ClientDisconnect, declaredTooLarge } from './body.js';
import { apiRoutes, type Answer, type Route } from './routes.js';
import type { Service } from './service.js';
import { errorBody, sendJson } from './status.js';

export interface ServerOptions {
  host?: string;
  port?: number;
  token: string;
  /** At shutdown, how long requests in flight may take to finish before their connections are cut (ms, default 5000). */
  graceMs?: number;
}

export interface RunningServer {
  server: Server;
  url: string;
  /**
   * Stops gracefully: no new connections, a running update interrupted (its request answered 503),
   * requests in flight answered (for graceMs at most), then the service closed.
   */
  close(): Promise<void>;
}

function segments(path: string): string[] {
  try {
    return path.split('/').slice(1).map(decodeURIComponent);
  } catch {
    throw new AccreteError('BAD_REQUEST', 'the path has a bad percent-encoding');
  }
}

function match(routes: Route[], method: string, path: string): { route: Route; params: Record<string, string> } {
  const parts = segments(path);
  const allowed: string[] = [];
  for (const route of routes) {
    const pattern = route.path === '/' ? [''] : route.path.split('/').slice(1);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let same = true;
    pattern.forEach((p, i) => {
      if (!p.startsWith(':')) same &&= p === parts[i];
      else if (parts[i] === '') same = false;
      else params[p.slice(1)] = parts[i];
    });
    if (!same) continue;
    // HEAD is GET without the body (node leaves the body out of a HEAD answer).
    if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params };
    allowed.push(...(route.method === 'GET' ? ['GET', 'HEAD'] : [route.method]));
  }
  if (allowed.length) throw Object.assign(new AccreteError('METHOD_NOT_ALLOWED', `${method} is not allowed here; use ${allowed.join(' or ')}`), { allow: allowed.join(', ') });
  throw new AccreteError('NOT_FOUND', `no route ${method} ${path.slice(0, 100)}; see GET / for the dashboard, or the API under /v1`);
}

function send(res: ServerResponse, answer: Answer): void {
  if (answer.raw) {
    const body = answer.raw.body;
    res.writeHead(answer.status ?? 200, { 'content-type': answer.raw.type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...answer.raw.headers });
    res.end(body);
  } else {
    sendJson(res, answer.status ?? 200, answer.json ?? {});
  }
}

export function startServer(service: Service, options: ServerOptions): Promise<RunningServer> {
  const routes = apiRoutes(dashboardHtml);
  const authorize = bearerCheck(options.token);
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  let drained: (() => void) | null = null;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    let routeName = 'unmatched';
    // Aborted when the connection closes before the answer is sent: the client is gone, so its
    // prediction work is dropped (see predictScheduler.ts).
    const gone = new AbortController();
    inFlight.add(res);
    if (closing) res.setHeader('connection', 'close');
    res.on('close', () => {
      if (!res.writableFinished) gone.abort();
      inFlight.delete(res);
      if (inFlight.size === 0) drained?.();
    });
    res.on('finish', () => service.counters.request(req.method ?? '', routeName, res.statusCode, (performance.now() - started) / 1000));
    try {
      const path = new URL(`http://localhost${req.url ?? '/'}`).pathname;
      const { route, params } = match(routes, req.method ?? '', path);
      routeName = route.path;
      if (route.write) authorize(req);
      send(res, await route.handle(service, req, params, gone.signal));
    } catch (err) {
      if (err instanceof ClientDisconnect || gone.signal.aborted) {
        service.log(`client disconnected during ${req.method} ${req.url?.slice(0, 100)} (${err instanceof ClientDisconnect ? 'before its body was complete' : 'before its answer'})`);
        return void res.destroy();
      }
      // A storage fault is logged once a minute per kind (service.storageFault), not once per request.
      const fault = service.storageFault(err);
      // StorageError and OverloadedError say when to try again (Retry-After, seconds).
      const special = (fault ?? err) as { allow?: string; retryAfter?: number };
      const { status, body } = errorBody(fault ?? err, service.registry.root);
      // 503 is a shutdown, an overload or a storage fault the server expects: the message says it all.
      if (status >= 500 && status !== 503) service.log(`error on ${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
      if (res.headersSent) return void res.destroy();
      const headers: Record<string, string> = {};
      if (special.allow) headers.allow = special.allow;
      if (special.retryAfter) headers['retry-after'] = String(special.retryAfter);
      sendJson(res, status, body, headers);
    }
  };
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 }, (req, res) => void handle(req, res));
  // "Expect: 100-continue" (curl, for large bodies): a body declared over the limit gets its 413
  // instead of the 100, so the client never sends it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (declaredTooLarge(req, service.limits.maxBody)) res.setHeader('connection', 'close');
    else res.writeContinue();
    void handle(req, res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      const { address, port } = server.address() as AddressInfo;
      const host = address.includes(':') ? `[${address}]` : address;
      resolve({
        server,
        url: `http://${host}:${port}`,
        close: async () => {
          if (closing) return service.close();
          closing = true;
          const closed = new Promise<void>((done) => server.close(() => done()));
          server.closeIdleConnections();
          // Keep-alive connections end with the answer they are waiting for.
          for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
          await service.stopUpdates();
          if (inFlight.size > 0) {
            await new Promise<void>((done) => {
              const timer = setTimeout(done, options.graceMs ?? 5000);
              drained = () => (clearTimeout(timer), done());
            });
          }
          server.closeAllConnections();
          await closed;
          await service.close();
        },
      });
    });
  });
}
