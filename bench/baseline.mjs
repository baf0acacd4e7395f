// The baseline of the benchmark: what a hand-written proxy costs. Raw node:http in, a keep-alive
// http.Agent out; for GET /v1/organizations/:org/connections/:id it makes the same upstream call
// as the gateway (Leen's GET connection), maps the answer to the same canonical connection, and
// answers it with a strong ETag the same way. No auth, no database, no logs, no validation: the
// floor the gateway is measured against.
import { createHash } from 'node:crypto';
import { Agent, createServer, request } from 'node:http';
import process from 'node:process';

const [port, upstream, table] = [
  Number(process.argv[2]),
  new URL(process.argv[3]),
  JSON.parse(process.argv[4]),
];
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

const STATUS = { ACTIVE: 'active', PAUSED: 'paused', PENDING: 'pending', DELETED: 'deleted' };

function canonical(id, org, extOrg, c) {
  return {
    id,
    organization_id: org,
    provider: 'leen',
    provider_type: 'leen',
    kind: c.vendor,
    name: c.identifier ?? null,
    status: STATUS[c.state] ?? 'unknown',
    health: {
      status: c.health?.name === 'HEALTHY' ? 'healthy' : 'unhealthy',
      detail: c.health?.description ?? null,
      action_owner: c.health?.resolution_owner ?? null,
    },
    credentials: { configured: true, stored: false, type: 'api_key', updated_at: null },
    settings: {},
    details: {
      is_active: c.is_active,
      refresh_interval_secs: c.refresh_interval_secs,
      timeout_secs: c.timeout_secs,
      oauth2_authorize_url: c.oauth2_authorize_url,
      health_details: c.health?.details ?? null,
    },
    external: { connection_id: c.id, organization_id: extOrg },
    created_at: c.created_at,
    updated_at: c.updated_at,
  };
}

createServer((req, res) => {
  const m = /^\/v1\/organizations\/([^/]+)\/connections\/([^/?]+)$/.exec(req.url ?? '');
  const known = m && table[m[2]];
  if (!known) {
    res.writeHead(404).end();
    return;
  }
  const up = request(
    {
      host: upstream.hostname,
      port: upstream.port,
      agent,
      method: 'GET',
      path: `/provisioning/organizations/${encodeURIComponent(known.org)}/connections/${encodeURIComponent(known.id)}`,
      headers: { accept: 'application/json', 'x-api-key': 'bench' },
    },
    (u) => {
      let text = '';
      u.setEncoding('utf8');
      u.on('data', (d) => {
        text += d;
      });
      u.on('end', () => {
        const body = JSON.stringify(canonical(m[2], m[1], known.org, JSON.parse(text)));
        const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
        res.writeHead(u.statusCode ?? 502, {
          'content-type': 'application/json',
          etag,
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      });
    },
  );
  up.on('error', () => res.writeHead(502).end());
  up.end();
}).listen(port, '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
