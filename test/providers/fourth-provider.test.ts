import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definitions } from '../../src/providers/registry.js';
import { referenceDocument } from '../../src/reference-document.js';
import type { ConformanceCase } from '../contract/cases.js';
import { describeConformance } from '../contract/suite.js';
import { quartzProvider } from '../fixtures/fourth-provider/definition.js';
import { json, startGateway, type TestGateway } from '../helpers/gateway.js';
import { referenceEntries, withSamples } from '../helpers/providers.js';
import { describeLinkChecks } from '../http/organization-links-checks.js';
import { describeCanaryRun } from '../security/canary-run.js';

/**
 * "A provider is a folder and one registry line": a throwaway fourth type (test/fixtures/fourth-provider/,
 * made-up `quartz`) registered next to the real ones shows up in the OpenAPI document, the
 * providers list, the link checks and the canary run, with no edit anywhere else, and passes the
 * adapter conformance suite.
 */

const registered = [...definitions, quartzProvider];
const providers = await withSamples(registered);

describe("a fourth provider type next to the registry's", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({
      definitions: registered,
      providers: referenceEntries(providers, { baseUrl: 'http://127.0.0.1:9' }),
    });
  });
  afterAll(async () => {
    await gw?.close();
  });

  /** The variants of the create body in an OpenAPI document, by their titles. */
  const createVariants = (doc: unknown): string[] =>
    [
      ...JSON.stringify(doc).matchAll(/"description":"Create a ([a-z0-9-]+) connection \(([a-z0-9-]+)\)"/g),
    ].map((m) => `${m[1]}/${m[2]}`);

  it("is in the reference document (what `npm run generate` writes) and the gateway's /openapi.json: a create body variant of its own", async () => {
    const expected = registered.map((d) => `${d.type}/${d.type}`);
    expect(createVariants(await referenceDocument(registered))).toEqual(expect.arrayContaining(expected));
    const served = (await (await gw.call('GET', '/openapi.json')).json()) as unknown;
    expect(createVariants(served)).toEqual(expect.arrayContaining(expected));
  });

  it('is in GET /v1/providers, with its capabilities and link format', async () => {
    const listed = (
      await json<{
        data: Array<{
          id: string;
          type: string;
          link_format: string;
          capabilities: { update_model: string };
        }>;
      }>(await gw.call('GET', '/v1/providers'))
    ).data;
    expect(listed.map((p) => p.type)).toEqual(registered.map((d) => d.type));
    expect(listed.find((p) => p.id === 'quartz')).toMatchObject({
      type: 'quartz',
      link_format: quartzProvider.linkFormat.description,
      capabilities: { update_model: 'patch' },
    });
  });
});

describeLinkChecks(providers);

describeCanaryRun(providers);

const quartzCase: ConformanceCase = {
  definition: quartzProvider,
  createBody: (i) => ({ kind: 'crm', name: `quartz-${i}`, credentials: { api_token: `token-${i}` } }),
  invalidCreate: { body: { kind: 'crm', name: 'x', credentials: {} }, pointer: '/credentials/api_token' },
  credentials: { api_token: 'rotated-token' },
  invalidCredentials: { body: { api_token: 42 }, pointer: '/credentials/api_token' },
};
describeConformance([quartzCase]);
