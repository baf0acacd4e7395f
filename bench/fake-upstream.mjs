// The fake upstream of the benchmark: a Leen-shaped API on raw node:http with canned answers, so
// that neither the baseline nor the gateway is measured against a slow simulator. Organizations
// (the first path segment after /organizations/, ids from bench/ids.mjs) choose the behaviour:
//   small    100 connections          large    100,000 connections
//   fan-*    17 connections, each list answered after 20 ms
//   slow     every read answered after 50 ms
//   flaky10 / flaky30   503 on 10% / 30% of requests (seeded)     down    503 always
//   anything else: one connection per id asked for, an empty list
// GET /__count → { requests by "METHOD path" }; POST /__reset clears the counts.
import { createServer } from 'node:http';
import process from 'node:process';
import { connId, orgName } from './ids.mjs';

const port = Number(process.argv[2] ?? 0);
const counts = new Map();

function connection(org, id) {
  return {
    id,
    vendor: 'TENABLE',
    is_active: true,
    refresh_interval_secs: 14400,
    timeout_secs: 1800,
    organization_id: org,
    state: 'ACTIVE',
    created_at: '2026-12-01T00:00:00.000Z',
    updated_at: '2026-12-01T00:00:00.000Z',
    health: {
      name: 'HEALTHY',
      status: 'HEALTHY',
      resolution_owner: 'LEEN',
      description: 'Connection is healthy',
      details: null,
    },
    oauth2_authorize_url: null,
    identifier: `conn ${id}`,
  };
}

const SIZES = { small: 100, large: 100_000, 'fan-a': 17, 'fan-b': 17, 'fan-c': 17 };
const LATENCY = { 'fan-a': 20, 'fan-b': 20, 'fan-c': 20, slow: 50 };
const FAILURE = { flaky10: 0.1, flaky30: 0.3, down: 1 };

// mulberry32, seeded: runs fail the same requests.
let seed = 42;
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

function answer(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/__count') return answer(res, 200, Object.fromEntries(counts));
  if (url.pathname === '/__reset') {
    counts.clear();
    return answer(res, 200, {});
  }
  const key = `${req.method} ${url.pathname}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
  const m = /^\/provisioning\/organizations\/([^/]+)\/connections(?:\/([^/]+))?$/.exec(url.pathname);
  if (!m || req.method !== 'GET') return answer(res, 404, { detail: 'not found' });
  const [, orgUuid, id] = m;
  const org = orgName(orgUuid) ?? orgUuid;
  const respond = () => {
    if (FAILURE[org] !== undefined && random() < FAILURE[org])
      return answer(res, 503, { detail: 'unavailable' });
    if (id !== undefined) return answer(res, 200, connection(orgUuid, id));
    const total = SIZES[org] ?? 0;
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 50);
    const items = [];
    for (let i = offset; i < Math.min(total, offset + limit); i++)
      items.push(connection(orgUuid, connId(org, i)));
    return answer(res, 200, { items, total });
  };
  if (LATENCY[org]) setTimeout(respond, LATENCY[org]);
  else respond();
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
