#!/usr/bin/env node
// Prints the OpenAPI document of `accrete serve` (default limits), as GET /openapi.json answers it:
// `npm run build && node scripts/openapi.mjs > docs/openapi.json` (src/serve/openapi.test.ts checks the copy).
import { dashboardHtml } from '../dist/dashboard/page.js';
import { openApiDocument } from '../dist/serve/openapi.js';
import { apiRoutes } from '../dist/serve/routes.js';

process.stdout.write(`${JSON.stringify(openApiDocument(apiRoutes(dashboardHtml)), null, 2)}\n`);
