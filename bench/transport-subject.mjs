// One subject of bench/transport.mjs: GET /c/:id on port argv[2] answers the upstream's
// GET /provisioning/organizations/o/connections/:id (argv[3]) through client argv[4]; argv[5] is
// the gateway's transport module, bundled by bench/transport.mjs.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import ky from 'ky';
import { Agent as HttpAgent, createServer, request as httpRequest } from 'node:http';
import process from 'node:process';
import { Agent, request } from 'undici';

const [port, upstream, client, transportModule] = [
  Number(process.argv[2]),
  process.argv[3],
  process.argv[4],
  process.argv[5],
];
const { undiciTransport } = await import(transportModule);
const path = (id) => `/provisioning/organizations/o/connections/${id}`;
const headers = { accept: 'application/json', 'x-api-key': 'bench' };

const agent = new Agent({ connections: 64 });
const undiciFetch = async (input, init) => {
  const req = new Request(input, init);
  const res = await request(req.url, {
    method: req.method,
    headers: Object.fromEntries(req.headers),
    dispatcher: agent,
  });
  return new Response(await res.body.arrayBuffer(), { status: res.statusCode, headers: res.headers });
};
const transport = undiciTransport({ connections: 64 });
const origin = new URL(upstream).origin;

const CLIENTS = {
  'ky on global fetch': async (id) => ky.get(`${upstream}${path(id)}`, { headers, retry: 0 }).json(),
  'ky with a fetch built on undici.request': async (id) =>
    ky.get(`${upstream}${path(id)}`, { headers, retry: 0, fetch: undiciFetch }).json(),
  'undici.request with a keep-alive Agent': async (id) => {
    const res = await request(`${upstream}${path(id)}`, { headers, dispatcher: agent });
    return res.body.json();
  },
  "the gateway's transport (undici dispatch)": async (id) =>
    JSON.parse(
      (await transport.request({ origin, path: path(id), method: 'GET', headers, timeoutMs: 10_000 })).text,
    ),
};

if (client === 'raw node:http proxy (reference)') {
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
  const u = new URL(upstream);
  createServer((req, res) => {
    const id = req.url.split('/').pop();
    httpRequest({ host: u.hostname, port: u.port, path: path(id), headers, agent: httpAgent }, (up) => {
      let text = '';
      up.setEncoding('utf8');
      up.on('data', (d) => {
        text += d;
      });
      up.on('end', () => {
        const body = JSON.stringify(JSON.parse(text));
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      });
    }).end();
  }).listen(port, '127.0.0.1');
} else {
  const get = CLIENTS[client];
  const app = new Hono();
  app.get('/c/:id', async (c) => c.json(await get(c.req.param('id'))));
  serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
}
process.once('SIGTERM', () => process.exit(0));
