import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AppEnv } from '../env.js';
import { ANY_PROBLEMS, problems } from '../routes/route.js';

export const API_VERSION = '1.0.0';

/** Registers what the document says of itself: the bearer scheme and the `/openapi.json` route. */
export function registerDocument(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'The admin key (`auth.adminKey`).',
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/openapi.json',
    operationId: 'openApiDocument',
    tags: ['operations'],
    summary: 'This document',
    security: [],
    responses: {
      200: {
        description: 'The OpenAPI 3.1 document of this gateway.',
        content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
      },
      ...problems(...ANY_PROBLEMS),
    },
  });
}

/**
 * The OpenAPI 3.1 document of an app, generated from its routes' schemas (never written by hand).
 * The app generates it on first request (registerDocument first).
 */
export function openApiDocument(app: OpenAPIHono<AppEnv>) {
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Plugboard',
      version: API_VERSION,
      description:
        "One canonical connection API in front of several providers' connection APIs. Errors are RFC 9457 problem details; lists page with `cursor`.",
    },
    servers: [{ url: '/', description: 'This gateway' }],
    tags: [
      { name: 'connections', description: 'Connections at the providers, in one canonical model.' },
      { name: 'organizations', description: "Tenants and their links to the providers' organizations." },
      { name: 'operations', description: 'Health, readiness, configured providers, this document.' },
      {
        name: 'connect sessions',
        description: 'Short-lived links to the hosted page where an end user connects an account.',
      },
      {
        name: 'connect page',
        description: 'The hosted page itself: HTML for a browser, opened by a session link.',
      },
    ],
  });
}
