import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { API_VERSION } from '../../openapi/document.js';
import { ANY_PROBLEMS, defineRoute, problems } from '../route.js';

/**
 * `GET /docs`: a browsable reference of `/openapi.json` (Swagger UI), served entirely by the gateway
 * from the `swagger-ui-dist` package: no CDN, works offline. Its two files are read on first use.
 */

const ASSETS = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
} as const;
type Asset = keyof typeof ASSETS;

const cache = new Map<Asset, Promise<Buffer>>();
function asset(name: Asset): Promise<Buffer> {
  let file = cache.get(name);
  if (!file) {
    const root = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
    file = readFile(join(root, name));
    cache.set(name, file);
  }
  return file;
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Plugboard API ${API_VERSION}</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="reference"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#reference', deepLinking: true, docExpansion: 'list',
  defaultModelsExpandDepth: 0, tryItOutEnabled: false, validatorUrl: null });
</script>
</body>
</html>
`;

const page = createRoute({
  method: 'get',
  path: '/docs',
  operationId: 'docs',
  tags: ['operations'],
  summary: 'A browsable reference of this API (offline; no CDN)',
  security: [],
  responses: {
    200: { description: 'The reference page.', content: { 'text/html': { schema: z.string() } } },
    ...problems(...ANY_PROBLEMS),
  },
});

const file = createRoute({
  method: 'get',
  path: '/docs/{file}',
  operationId: 'docsAsset',
  tags: ['operations'],
  summary: 'A file of the reference page',
  security: [],
  request: { params: z.object({ file: z.enum(Object.keys(ASSETS) as [Asset, ...Asset[]]) }) },
  responses: {
    200: {
      description: 'The file.',
      content: { 'text/css': { schema: z.string() }, 'text/javascript': { schema: z.string() } },
    },
    ...problems(400, ...ANY_PROBLEMS),
  },
});

export default defineRoute((app) => {
  app.openapi(page, (c) => c.html(PAGE, 200));
  app.openapi(file, async (c) => {
    const name = c.req.valid('param').file;
    return c.body(new Uint8Array(await asset(name)), 200, {
      'content-type': ASSETS[name],
      'cache-control': 'public, max-age=86400',
    });
  });
});
