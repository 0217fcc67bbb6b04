/**
 * @file The HTTP service, for programs that run it themselves (`import { Service, startServer } from
 * 'accrete/serve'`): kept apart from the library entry so that training and predicting never load
 * the server, the registry or SQLite. It needs the optional peer dependency better-sqlite3
 * (`npm install better-sqlite3@12`), and its types need @types/node.
 */
export { Service } from './serve/service.js';
export type { ServiceOptions } from './serve/service.js';
export { startServer } from './serve/server.js';
export type { ServerOptions, RunningServer } from './serve/server.js';
export { Registry, DEFAULT_REGISTRY } from './registry/registry.js';
