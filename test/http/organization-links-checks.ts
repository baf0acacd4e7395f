import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startGateway, type TestGateway } from '../helpers/gateway.js';
import { referenceEntries, type SampledProvider } from '../helpers/providers.js';

/**
 * An organization's links become a segment of every upstream path of its connections
 * (`…/organizations/{link}/connections`): a link of `.` or `..` would turn that into a tenant-wide
 * path called with the gateway's own credentials. Links are checked at create and PATCH, for every
 * provider type, against the core's safe-segment rule and the provider's documented format (its
 * samples' `linkExamples`).
 */

type Problem = { status: number; code: string; errors?: Array<{ pointer: string; message: string }> };

/** Refused for every provider type, whatever its format. */
const UNSAFE = [
  '.',
  '..',
  '%2F',
  '%2f',
  '../x',
  'a/b',
  '',
  'a\\b',
  '..%2F',
  '%5C',
  '%2E%2E',
  'a?b',
  'a#b',
  'a\u0000b',
  'a\nb',
  'x'.repeat(201),
];

/** Organization routes never call a provider: entries point at port 9 (discard). */
const DISCARD = 'http://127.0.0.1:9';

/** The link checks for a gateway with one entry of each of these provider types (ids equal to the types). */
export function describeLinkChecks(providers: ReadonlyArray<SampledProvider>): void {
  describe('organization links are checked per provider (create and PATCH)', () => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await startGateway({
        definitions: providers.map((p) => p.definition),
        providers: referenceEntries(providers, { baseUrl: DISCARD }),
      });
    });
    afterAll(async () => {
      await gw?.close();
    });

    let n = 0;
    const nextId = () => `links-${(n += 1)}`;

    it('every provider type declares a link format, has valid cases, and GET /v1/providers tells it', async () => {
      const listed = (
        await json<{ data: Array<{ id: string; type: string; link_format: string }> }>(
          await gw.call('GET', '/v1/providers'),
        )
      ).data;
      expect(listed.map((p) => p.type)).toEqual(providers.map((p) => p.type));
      for (const { type, definition, samples } of providers) {
        expect(samples.linkExamples.valid.length, type).toBeGreaterThan(0);
        expect(definition.linkFormat.description.length, type).toBeGreaterThan(0);
        expect(listed.find((p) => p.type === type)?.link_format).toBe(definition.linkFormat.description);
      }
    });

    describe.each(providers.map((p) => ({ provider: p.type, formats: p.samples.linkExamples })))(
      '$provider',
      ({ provider, formats }) => {
        it('refuses ., .., separators (also percent-encoded), control characters, empty and over-long values at create, naming /links/<provider>', async () => {
          for (const bad of [...UNSAFE, ...formats.invalid]) {
            const res = await gw.call('POST', '/v1/organizations', {
              body: { id: nextId(), name: 'x', links: { [provider]: bad } },
            });
            expect(res.status, JSON.stringify(bad)).toBe(400);
            const p = await json<Problem>(res);
            expect(p.code).toBe('validation_failed');
            expect(
              p.errors?.map((e) => e.pointer),
              JSON.stringify(bad),
            ).toEqual([`/links/${provider}`]);
            if (bad.length > 3) expect(p.errors?.[0]?.message).not.toContain(bad);
          }
          // Nothing was stored.
          const all = await json<{ data: Array<{ links: Record<string, string> }> }>(
            await gw.call('GET', '/v1/organizations?limit=200'),
          );
          for (const o of all.data) expect([...UNSAFE, ...formats.invalid]).not.toContain(o.links[provider]);
        });

        it('refuses the same at PATCH, and the organization keeps its links', async () => {
          const id = nextId();
          const valid = formats.valid[0] as string;
          expect(
            (
              await gw.call('POST', '/v1/organizations', {
                body: { id, name: 'x', links: { [provider]: valid } },
              })
            ).status,
          ).toBe(201);
          for (const bad of [...UNSAFE, ...formats.invalid]) {
            const res = await gw.call('PATCH', `/v1/organizations/${id}`, {
              body: { links: { [provider]: bad } },
            });
            expect(res.status, JSON.stringify(bad)).toBe(400);
            expect((await json<Problem>(res)).errors?.map((e) => e.pointer)).toEqual([`/links/${provider}`]);
          }
          expect(
            (await json<{ links: Record<string, string> }>(await gw.call('GET', `/v1/organizations/${id}`)))
              .links,
          ).toEqual({ [provider]: valid });
        });

        it("accepts ids in the provider's documented format, at create and PATCH", async () => {
          for (const good of formats.valid) {
            const id = nextId();
            const created = await gw.call('POST', '/v1/organizations', {
              body: { id, name: 'x', links: { [provider]: good } },
            });
            expect(created.status, good).toBe(201);
            expect((await json<{ links: Record<string, string> }>(created)).links).toEqual({
              [provider]: good,
            });
            const other = formats.valid.at(-1) as string;
            const patched = await gw.call('PATCH', `/v1/organizations/${id}`, {
              body: { links: { [provider]: other } },
            });
            expect(patched.status).toBe(200);
            expect((await json<{ links: Record<string, string> }>(patched)).links).toEqual({
              [provider]: other,
            });
          }
        });
      },
    );

    it('names every bad link at once, unknown provider ids included', async () => {
      // The first type gets a valid link, every other one an unsafe link.
      const [first, ...others] = providers;
      const links: Record<string, string> = { 'no/such': 'x' };
      if (first) links[first.type] = first.samples.linkExamples.valid[0] as string;
      others.forEach((p, i) => {
        links[p.type] = i % 2 === 0 ? '..' : 'a/b';
      });
      const res = await gw.call('POST', '/v1/organizations', { body: { name: 'x', links } });
      expect(res.status).toBe(400);
      expect((await json<Problem>(res)).errors?.map((e) => e.pointer).sort()).toEqual(
        [...others.map((p) => `/links/${p.type}`), '/links/no~1such'].sort(),
      );
    });
  });
}
