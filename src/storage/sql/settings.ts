import type { Session } from './session.js';

export async function getOrInitSetting({ db }: Session, key: string, init: () => string): Promise<string> {
  await db
    .insertInto('settings')
    .values({ key, value: init() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const r = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
  return r.value;
}
