import { parseArgs } from 'node:util';
import { definitions } from './providers/registry.js';

/** `npm run simulate -- <type> [--port N] [--host H] [--state FILE]`: one provider simulator alone. */
async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' }, state: { type: 'string' } },
  });
  const types = definitions.map((d) => d.type);
  const def = definitions.find((d) => d.type === positionals[0]);
  const port = Number(values.port);
  if (!def || !Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`usage: npm run simulate -- <${types.join('|')}> [--port N] [--host H] [--state FILE]\n`);
    process.exit(2);
  }
  const sim = await def.startSimulator({ port, host: values.host, stateFile: values.state });
  process.stdout.write(`${def.type} simulator listening on ${sim.url}
provider config for the gateway: ${JSON.stringify({ id: def.type, type: def.type, ...sim.providerConfig })}
demo organization: ${sim.demoExternalOrgId}
fault injection: POST ${sim.url}/__sim/faults {"status":503,"times":1} · DELETE ${sim.url}/__sim/faults · GET ${sim.url}/__sim/requests
`);
  const stop = () => void sim.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
