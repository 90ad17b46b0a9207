import type pg from 'pg';
import { readSystemSettings, restoreSystemSettings, type SystemSettings } from '../../postgres/system-settings.js';
import type { DatabaseHandle } from '../../postgres/types.js';

/*
 * A file sent as one string is one message: the client cannot stop it between its statements,
 * but its commit point can be held. With `synchronous_standby_names` naming a standby that never
 * comes, a session with `synchronous_commit = on` waits after its commit record in `SyncRep`:
 * its work is still invisible to the others and it still holds its locks, so another replica's
 * statement that meets them waits on it (`pg_blocking_pids`), and `pg_cancel_backend` lets the
 * commit finish (the server warns, the client sees success). Every other session of the server
 * keeps committing at once: the server's own default becomes `synchronous_commit = local` for as
 * long as the check runs, and replicas' sessions alone ask for `on`.
 */

/** How long the server may take to read its configuration again before holding is given up. */
const RELOAD_MS = 5000;

export interface CommitHold {
  /** Whether commits of replicas' sessions wait until the scheduler lets them go. */
  active: boolean;
  /** Why they do not, when they do not. */
  reason?: string;
  /** Puts the server's settings back as they were. */
  restore(): Promise<void>;
}

/** Whether `pid` waits in SyncRep now. */
async function waitsInSyncRep(admin: pg.Client, pid: number): Promise<boolean> {
  const { rows } = await admin.query<{ held: boolean }>("SELECT wait_event = 'SyncRep' AS held FROM pg_catalog.pg_stat_activity WHERE pid = $1", [pid]);
  return rows[0]?.held === true;
}

/**
 * A commit of a session that asks for it is held: a probe commits a transaction with an xid and
 * must be seen waiting, then is let go. Until the checkpointer has read the new settings, a commit
 * does not wait: the probe tries again.
 */
async function probe(admin: pg.Client, connect: () => Promise<pg.Client>): Promise<boolean> {
  const deadline = Date.now() + RELOAD_MS;
  const session = await connect();
  try {
    await session.query('SET synchronous_commit = on');
    const pid = (session as unknown as { processID: number }).processID;
    while (Date.now() < deadline) {
      // A transactional WAL record and nothing else: its commit waits like any write's, and leaves no object.
      const commit = session.query("SELECT pg_catalog.pg_logical_emit_message(true, 'migtest', 'probe')").then(() => 'done' as const);
      for (;;) {
        const done = await Promise.race([commit, new Promise<'wait'>((resolve) => setTimeout(() => resolve('wait'), 10))]);
        if (done === 'done') break;
        if (await waitsInSyncRep(admin, pid)) {
          await admin.query('SELECT pg_catalog.pg_cancel_backend($1)', [pid]);
          await commit;
          return true;
        }
        if (Date.now() > deadline) {
          await admin.query('SELECT pg_catalog.pg_cancel_backend($1)', [pid]);
          await commit.catch(() => undefined);
          return false;
        }
      }
    }
    return false;
  } finally {
    await session.end().catch(() => undefined);
  }
}

async function waitForSetting(connect: () => Promise<pg.Client>, name: string, value: string): Promise<boolean> {
  const deadline = Date.now() + RELOAD_MS;
  while (Date.now() < deadline) {
    const session = await connect();
    try {
      const { rows } = await session.query<{ setting: string }>('SELECT setting FROM pg_catalog.pg_settings WHERE name = $1', [name]);
      if (rows[0]?.setting === value) return true;
    } finally {
      await session.end().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

/**
 * Makes replicas' commits wait to be let go, on the server `db` belongs to (a superuser session).
 * In two steps, so that no other session ever waits: first the default becomes `local` for every
 * session, then the standby that never comes is named.
 */
export async function holdCommits(db: DatabaseHandle): Promise<CommitHold> {
  const connect = async (): Promise<pg.Client> => {
    const client = await db.connect();
    await client.query('SET statement_timeout = 0; SET lock_timeout = 0; SET default_transaction_read_only = off');
    return client;
  };
  const admin = await connect();
  let before: SystemSettings;
  try {
    const { rows } = await admin.query<{ senders: string }>("SELECT current_setting('max_wal_senders') AS senders");
    if (Number(rows[0]?.senders ?? 0) === 0) {
      await admin.end();
      return { active: false, reason: 'the server has max_wal_senders = 0, so no commit can wait for a standby', restore: async () => undefined };
    }
    before = await readSystemSettings(admin);
  } catch (error) {
    await admin.end().catch(() => undefined);
    throw error;
  }
  const restore = async (): Promise<void> => {
    try {
      await restoreSystemSettings(admin, before, connect);
    } finally {
      await admin.end().catch(() => undefined);
    }
  };
  try {
    await admin.query("ALTER SYSTEM SET synchronous_commit = 'local'");
    await admin.query('SELECT pg_catalog.pg_reload_conf()');
    if (!(await waitForSetting(connect, 'synchronous_commit', 'local'))) {
      await restore();
      return { active: false, reason: 'the server did not read its configuration again in time', restore: async () => undefined };
    }
    await admin.query("ALTER SYSTEM SET synchronous_standby_names = 'migtest_never'");
    await admin.query('SELECT pg_catalog.pg_reload_conf()');
    if (!(await probe(admin, connect))) {
      await restore();
      return { active: false, reason: 'a commit could not be held at the server (synchronous_standby_names had no effect)', restore: async () => undefined };
    }
  } catch (error) {
    await restore();
    throw error;
  }
  return { active: true, restore };
}
