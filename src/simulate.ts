import { parseArgs } from 'node:util';
import { definitions } from './providers/registry.js';
import { onStopSignals, signalExitCode } from './stop-signals.js';

/** `npm run simulate -- <type> [--port N] [--host H] [--state FILE]`: one provider simulator alone. */

const types = definitions.map((d) => d.type);
const USAGE = `usage: npm run simulate -- <${types.join('|')}> [--port N] [--host H] [--state FILE]`;

/** One line on stderr and the exit code: never a stack trace for something the user typed. */
function quit(line: string, code: number): never {
  (code === 0 ? process.stdout : process.stderr).write(`${line}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: {
        port: { type: 'string', default: '0' },
        host: { type: 'string', default: '127.0.0.1' },
        state: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    quit(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`, 2);
  }
  const { positionals, values } = args;
  if (values.help) quit(USAGE, 0);
  const def = definitions.find((d) => d.type === positionals[0]);
  const port = Number(values.port);
  if (!def || positionals.length !== 1 || !Number.isInteger(port) || port < 0 || port > 65535) quit(USAGE, 2);

  let sim;
  try {
    sim = await def.startSimulator({ port, host: values.host, stateFile: values.state });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE'
        ? 'the port is in use; pick another with --port, or --port 0 for any free one'
        : code === 'EADDRNOTAVAIL'
          ? 'no such address on this machine'
          : e instanceof Error
            ? e.message
            : String(e);
    quit(
      `${def.type} simulator: cannot listen on ${values.host}:${port}: ${why}${code ? ` (${code})` : ''}`,
      1,
    );
  }
  process.stdout.write(`${def.type} simulator listening on ${sim.url}
provider config for the gateway: ${JSON.stringify({ id: def.type, type: def.type, ...sim.providerConfig })}
demo organization: ${sim.demoExternalOrgId}
fault injection: POST ${sim.url}/__sim/faults {"status":503,"times":1} · DELETE ${sim.url}/__sim/faults · GET ${sim.url}/__sim/requests
`);
  // As the gateway: under `npm run simulate` a Ctrl+C arrives twice; the copy must not cut the close.
  onStopSignals({
    stop: () => sim.close().then(() => process.exit(0)),
    ignored: () => undefined,
    forced: (signal) => process.exit(signalExitCode(signal)),
  });
}

void main();
