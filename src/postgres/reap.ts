import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { databaseOwner, ownerAlive, parseOwnerRecord } from './owner.js';
import { ident } from './server.js';

/**
 * Removes what runs killed outright (SIGKILL, a lost machine session, OOM) left behind: their
 * server folders and postmasters, their containers, their scratch databases on a url server.
 * Only what carries a migtest owner record whose process is gone on this machine; anything
 * without a record, or whose owner runs or cannot be judged, is left as it is.
 */

/** The file in an embedded server's folder that names its owner. */
export const OWNER_FILE = 'owner';

/** One line on stderr, so that a user knows where their disk or databases went. */
export function tellReaped(what: string[]): void {
  if (what.length === 0) return;
  process.stderr.write(`migtest: removed what ended runs left behind: ${what.join(', ')}\n`);
}

/** Whether `pid` is a postgres process started on `folder` (its command line names the data folder). */
function postmasterOf(pid: number, folder: string): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args.some((arg) => arg.startsWith(folder + '/'));
  } catch {
    return false;
  }
}

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function stopPostmaster(folder: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(join(folder, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return; // Never started, or already stopped.
  }
  if (!Number.isInteger(pid) || pid <= 0 || !postmasterOf(pid, folder)) return;
  // SIGQUIT: immediate shutdown, its backends with it; SIGKILL if it lingers.
  process.kill(pid, 'SIGQUIT');
  for (let waited = 0; waited < 5000 && !processGone(pid) && postmasterOf(pid, folder); waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (postmasterOf(pid, folder)) process.kill(pid, 'SIGKILL');
}

/** Embedded servers (folders `migtest-pg-*` under `parents`) whose owner is gone: postmaster stopped, folder removed. */
export async function reapEmbedded(parents: string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const parent of new Set(parents)) {
    let names: string[];
    try {
      names = readdirSync(parent).filter((name) => name.startsWith('migtest-pg-'));
    } catch {
      continue;
    }
    for (const name of names) {
      const folder = join(parent, name);
      let owner;
      try {
        owner = parseOwnerRecord(readFileSync(join(folder, OWNER_FILE), 'utf8'));
      } catch {
        continue; // No record (an older migtest, or a run a moment after making its folder): not ours to judge.
      }
      if (!owner || ownerAlive(owner) !== false) continue;
      try {
        await stopPostmaster(folder);
        rmSync(folder, { recursive: true, force: true });
        removed.push(`embedded server ${folder}`);
      } catch {
        // Another user's, or being removed by another run at the same time: leave it.
      }
    }
  }
  return removed;
}

/** Scratch databases on a url server whose names record an owner that is gone. */
export async function reapDatabases(admin: pg.Pool | pg.Client): Promise<string[]> {
  const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'migtest\\_%' ORDER BY datname`);
  const removed: string[] = [];
  for (const { datname } of rows) {
    const owner = databaseOwner(datname);
    if (!owner || ownerAlive(owner) !== false) continue;
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${ident(datname)} WITH (FORCE)`);
      removed.push(datname);
    } catch {
      // Another role's database, or dropped by another run meanwhile: leave it.
    }
  }
  return removed.length > 0 ? [`${removed.length} database${removed.length === 1 ? '' : 's'} (${removed.join(', ')})`] : [];
}
