import { z } from 'zod';

/** `If-Match` as the routes that write declare it (checked by the service against a fresh read). */
export const IF_MATCH = z.object({
  'if-match': z.string().optional().describe('An ETag from a previous answer: the write happens only if the connection is still that version (else 412).'),
});
