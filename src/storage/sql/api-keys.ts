import type { Selectable } from 'kysely';
import type { ApiKeyRow, NewEvent } from '../../core/storage.js';
import { insertEvent } from './events.js';
import { ARG, Prepared } from './prepared.js';
import type { Tables } from './schema.js';
import { inTransaction, type Session } from './session.js';

const GET_API_KEY = new Prepared((db) =>
  db.selectFrom('api_keys').selectAll().where('key_hash', '=', ARG[0]),
);

export async function insertApiKey(s: Session, row: ApiKeyRow, event: NewEvent | null): Promise<void> {
  await inTransaction(s, async (db) => {
    await db
      .insertInto('api_keys')
      .values({
        ...row,
        organization_ids: JSON.stringify(row.organization_ids),
        scopes: JSON.stringify(row.scopes),
      })
      .execute();
    if (event) await insertEvent(db, event);
  });
}

export async function getApiKeyByHash(s: Session, keyHash: string): Promise<ApiKeyRow | null> {
  const [r] = await GET_API_KEY.run(s, [keyHash]);
  return r ? toApiKey(r) : null;
}

export async function listApiKeys(
  { db }: Session,
  afterId: string | null,
  limit: number,
): Promise<ApiKeyRow[]> {
  const rows = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('revoked_at', 'is', null)
    .where('id', '>', afterId ?? '')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toApiKey);
}

export async function revokeApiKey(
  s: Session,
  id: string,
  at: string,
  event: NewEvent | null,
): Promise<boolean> {
  return inTransaction(s, async (db) => {
    const r = await db
      .updateTable('api_keys')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return false;
    if (event) await insertEvent(db, event);
    return true;
  });
}

function toApiKey(r: Selectable<Tables['api_keys']>): ApiKeyRow {
  return {
    ...r,
    organization_ids: JSON.parse(r.organization_ids) as string[],
    scopes: JSON.parse(r.scopes) as string[],
  };
}
