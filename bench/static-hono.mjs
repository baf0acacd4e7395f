// A static Hono route on @hono/node-server: the ceiling a cached GET is compared with (the same
// framework and server, no work behind the route). Answers a connection-sized JSON body.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import process from 'node:process';

const body = JSON.parse(process.argv[3]);
const app = new Hono();
app.get('/static', (c) => c.json(body));
serve({ fetch: app.fetch, port: Number(process.argv[2]), hostname: '127.0.0.1' });
process.once('SIGTERM', () => process.exit(0));
