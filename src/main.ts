import { ConfigError, loadConfigFile, type GatewayConfig } from './config.js';
import { createGateway } from './gateway.js';
import { answerClientError } from './http/client-errors.js';
import { createLogger } from './logger.js';
import { listen } from './net.js';
import { onStopSignals, signalExitCode } from './stop-signals.js';
import { definitions } from './providers/registry.js';
import type { Sandbox } from './sandbox.js';

/** Process entry: config (or sandbox) → gateway → listen → graceful stop on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const env = process.env;
  let sandbox: Sandbox | null = null;
  let config: GatewayConfig;
  try {
    if (env['GATEWAY_CONFIG']) {
      config = loadConfigFile(env['GATEWAY_CONFIG'], env, definitions);
    } else {
      // The sandbox (and with it every simulator) is loaded only in sandbox mode: not on the production path.
      const { startSandbox } = await import('./sandbox.js');
      sandbox = await startSandbox({ dataDir: env['PLUGBOARD_DATA_DIR'] ?? './data', definitions, env });
      config = sandbox.config;
    }
  } catch (e) {
    return fail(e);
  }
  const logger = createLogger(config.logLevel);
  let gateway;
  try {
    gateway = await createGateway(config, { definitions, logger });
    await sandbox?.seed(gateway);
  } catch (e) {
    await sandbox?.close();
    return fail(e);
  }
  let server;
  try {
    server = await listen(gateway.app.fetch, {
      host: config.server.host,
      port: config.server.port,
      limits: config.server.limits,
      clientError: answerClientError,
    });
  } catch (e) {
    await gateway.close();
    await sandbox?.close();
    return fail(
      new Error(
        `cannot listen on ${config.server.host}:${config.server.port} (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      ),
    );
  }
  logger.info(
    {
      url: server.url,
      pid: process.pid,
      mode: sandbox ? 'sandbox' : 'configured',
      providers: config.providers.map((p) => p.id),
      limits: config.server.limits,
    },
    'plugboard listening',
  );
  // Out at once, not with the next buffer: whoever started the process may be waiting for it.
  logger.flush();
  if (sandbox) printBanner(server.url, sandbox);

  const stop = async (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopping: no new connections, finishing requests in flight (up to 10 s)');
    await server.close(10_000);
    await gateway.close();
    await sandbox?.close();
    logger.info('stopped');
    logger.flush?.();
    process.exit(0);
  };
  onStopSignals({
    stop,
    ignored: (signal) =>
      logger.warn(
        { signal },
        'already stopping: signal ignored (one more stops at once, cutting requests in flight)',
      ),
    forced: (signal) => {
      logger.warn({ signal }, 'stopping at once: requests in flight are cut');
      logger.flush?.();
      process.exit(signalExitCode(signal));
    },
  });
}

function fail(e: unknown): void {
  if (e instanceof ConfigError) {
    process.stderr.write(`${e.message}\n`);
  } else {
    process.stderr.write(`plugboard could not start: ${e instanceof Error ? e.message : String(e)}\n`);
  }
  process.exit(1);
}

/** For the human at the terminal, on stderr: stdout carries only the JSON log lines. */
function printBanner(url: string, sandbox: Sandbox): void {
  const sims = sandbox.simulators.map((s) => `    ${s.type.padEnd(8)} ${s.setup.url}`).join('\n');
  process.stderr.write(`
  Plugboard sandbox is running.

    URL        ${url}
    Admin key  ${sandbox.adminKey}
    Storage    ${sandbox.config.database.url.reveal()}
  Simulated providers:
${sims}

  Try:
    curl -s -H 'Authorization: Bearer ${sandbox.adminKey}' ${url}/v1/organizations/${sandbox.demoOrganization}/connections

  Webhooks: an endpoint (its answer shows its whsec_ secret), then a receiver that verifies them:
    curl -s -H 'Authorization: Bearer ${sandbox.adminKey}' -H 'content-type: application/json' \\
      -d '{"url":"http://127.0.0.1:4020/","organization_ids":["${sandbox.demoOrganization}"]}' ${url}/v1/webhooks
    npm run webhook-receiver -- --port 4020 --secret whsec_…

  Connect an account as an end user would: a session, then open its "url" in a browser:
    curl -s -H 'Authorization: Bearer ${sandbox.adminKey}' -H 'content-type: application/json' \\
      -d '{"end_user":{"id":"u-1"},"return_url":"${url}/healthz"}' ${url}/v1/organizations/${sandbox.demoOrganization}/connect-sessions

`);
}

void main();
