// A webhook receiver for the benchmark: answers every POST 204 at once and counts them;
// GET /__count → { received }. Raw node:http, in its own process.
import { createServer } from 'node:http';
import process from 'node:process';

let received = 0;
createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ received }));
    return;
  }
  req.resume();
  req.on('end', () => {
    received += 1;
    res.writeHead(204).end();
  });
}).listen(Number(process.argv[2] ?? 0), '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
