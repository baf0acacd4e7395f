import { describe, expect, it } from 'vitest';
import { matchesEndpoint } from '../../src/core/event-match.js';

/** Which endpoints an event goes to: its type against the patterns, its organization against the list. */
describe('matchesEndpoint', () => {
  const ev = (type: string, organization_id = 'acme') => ({ type, organization_id });

  it('matches a type exactly, `*`, or a prefix ending in `*`', () => {
    expect(matchesEndpoint(['connection.created'], ['acme'], ev('connection.created'))).toBe(true);
    expect(matchesEndpoint(['connection.created'], ['acme'], ev('connection.updated'))).toBe(false);
    expect(matchesEndpoint(['*'], ['acme'], ev('organization.deleted'))).toBe(true);
    expect(matchesEndpoint(['connection.*'], ['acme'], ev('connection.health_changed'))).toBe(true);
    expect(matchesEndpoint(['connection.*'], ['acme'], ev('organization.updated'))).toBe(false);
    // A prefix is a prefix of the type's text, `*` or not after a dot.
    expect(matchesEndpoint(['connection.status*'], ['acme'], ev('connection.status_changed'))).toBe(true);
  });

  it("delivers only the listed organizations' events; `*` also the gateway's own", () => {
    expect(matchesEndpoint(['*'], ['acme'], ev('connection.created', 'globex'))).toBe(false);
    expect(matchesEndpoint(['*'], ['acme', 'globex'], ev('connection.created', 'globex'))).toBe(true);
    expect(matchesEndpoint(['*'], ['acme'], ev('api_key.created', ''))).toBe(false);
    expect(matchesEndpoint(['*'], ['*'], ev('api_key.created', ''))).toBe(true);
    expect(matchesEndpoint(['*'], ['*'], ev('connection.created', 'globex'))).toBe(true);
  });
});
