import type pg from 'pg';
import { ident } from './server.js';

/*
 * ALTER SYSTEM writes postgresql.auto.conf, which every database of the server reads: a set that
 * runs it would carry its settings into every later case (and into the restart after a crash
 * fault). The states a run keeps each record the file's settings as their run left them, and a
 * case starts from its state's: the server's settings are per case, as its database is. Needs a
 * superuser, which a server of migtest's has; a url server never gets here (src/postgres/url-guard.ts).
 */

/** The settings of postgresql.auto.conf, in file order: `[name, value]`. */
export type SystemSettings = [string, string][];

export async function readSystemSettings(client: pg.Client): Promise<SystemSettings> {
  const { rows } = await client.query<{ name: string; setting: string | null }>(
    "SELECT name, setting FROM pg_catalog.pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf' ORDER BY seqno",
  );
  return rows.map((r) => [r.name, r.setting ?? '']);
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function sameSettings(a: SystemSettings, b: SystemSettings): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Writes `settings` back as the whole of postgresql.auto.conf and has the server read it again;
 * returns once a new session sees the reload (new backends take the configuration from the
 * postmaster, which reads it when its reload signal arrives).
 */
export async function restoreSystemSettings(client: pg.Client, settings: SystemSettings, connect: () => Promise<pg.Client>): Promise<void> {
  const before = (await client.query<{ t: Date }>('SELECT pg_catalog.pg_conf_load_time() AS t')).rows[0]!.t.getTime();
  await client.query('ALTER SYSTEM RESET ALL');
  for (const [name, value] of settings) await client.query(`ALTER SYSTEM SET ${ident(name)} = ${literal(value)}`);
  await client.query('SELECT pg_catalog.pg_reload_conf()');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const probe = await connect();
    try {
      const t = (await probe.query<{ t: Date }>('SELECT pg_catalog.pg_conf_load_time() AS t')).rows[0]!.t.getTime();
      if (t > before) return;
    } finally {
      await probe.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
