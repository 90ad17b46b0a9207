import type { DatabaseHandle } from '../../src/postgres/types.js';

/** The rows of one query on `db`, on a connection of its own. */
export async function sql<T = Record<string, unknown>>(db: DatabaseHandle, text: string): Promise<T[]> {
  const client = await db.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}
