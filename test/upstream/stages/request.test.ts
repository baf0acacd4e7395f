import { describe, expect, it } from 'vitest';
import {
  attemptHeaders,
  collectionOf,
  encodeBody,
  parseBody,
  queryString,
} from '../../../src/upstream/request.js';

describe('request encoding', () => {
  it('encodes a JSON body, a form body, or none, with its content type', () => {
    expect(encodeBody({ method: 'POST', path: '/x', operation: 'x', json: { a: 1 } })).toEqual({
      body: '{"a":1}',
      contentType: 'application/json',
    });
    expect(
      encodeBody({
        method: 'POST',
        path: '/x',
        operation: 'x',
        form: { grant_type: 'client_credentials', scope: 'a b' },
      }),
    ).toEqual({
      body: 'grant_type=client_credentials&scope=a+b',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(encodeBody({ method: 'GET', path: '/x', operation: 'x' })).toEqual({
      body: undefined,
      contentType: undefined,
    });
  });

  it("sends accept, the request id, traceparent when there is one, the auth headers and the body's type", () => {
    const none = { body: undefined, contentType: undefined };
    expect(attemptHeaders({ requestId: 'r1' }, { authorization: 'Bearer t' }, none)).toEqual({
      accept: 'application/json',
      'x-request-id': 'r1',
      authorization: 'Bearer t',
    });
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(
      attemptHeaders(
        { requestId: 'r1', traceparent: tp },
        {},
        { body: '{}', contentType: 'application/json' },
      ),
    ).toEqual({
      accept: 'application/json',
      'x-request-id': 'r1',
      traceparent: tp,
      'content-type': 'application/json',
    });
  });

  it('builds a query string of the values given, none for none', () => {
    expect(queryString(undefined)).toBe('');
    expect(queryString({ a: undefined })).toBe('');
    expect(queryString({ limit: 50, cursor: 'a b', strict: true, skip: undefined })).toBe(
      '?limit=50&cursor=a+b&strict=true',
    );
  });

  it('parses JSON answers and keeps others as text', () => {
    expect(parseBody('{"a":[1]}')).toEqual({ a: [1] });
    expect(parseBody('<html>')).toBe('<html>');
    expect(parseBody('')).toBe('');
  });

  it('names the collection a write touches', () => {
    expect(collectionOf('/organizations/o1/connections/c1')).toBe('/organizations/o1/connections');
    expect(collectionOf('/organizations')).toBe('/organizations');
  });
});
