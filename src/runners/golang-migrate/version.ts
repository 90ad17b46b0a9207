import type pg from 'pg';
import type { DatabaseHandle } from '../../postgres/types.js';
import { isCommit } from '../../migrations/transactions.js';
import { quiet } from '../sequence.js';
import type { Block, InherentStop } from '../types.js';

/*
 * golang-migrate's version record and its dirty flag: SetVersion as the postgres driver writes it,
 * and what an operator does when a failure left a version dirty (`migrate force`, then `migrate
 * up`). Sources: database/postgres/postgres.go (SetVersion, ensureVersionTable), migrate.go (Force,
 * ErrDirty), database/driver.go (NilVersion = -1), internal/cli/main.go (`force V`, V ≥ -1).
 */

const SCHEMA = 'public';
const TABLE = 'schema_migrations';
export const TRACKER_SPEC = { schema: SCHEMA, table: TABLE };
const TRACKER = `"${SCHEMA}"."${TABLE}"`;

/** The postgres driver's ensureVersionTable, in the schema current at connect time. */
export const CREATE_TRACKER = `CREATE TABLE IF NOT EXISTS ${TRACKER} (version bigint not null primary key, dirty boolean not null)`;
export const SELECT_VERSION = `SELECT version, dirty FROM ${TRACKER} LIMIT 1`;

/** database.NilVersion: no version at all, what `migrate force -1` records. */
const NIL_VERSION = -1n;

/**
 * SetVersion: TRUNCATE, then the row, in a transaction of their own (or of the caller). No row for
 * a clean NilVersion (`migrate force -1`): the next `migrate up` starts from the first file. The
 * driver sends each statement on its own; one string does to the database what they do (the
 * statements are the same, and the tool holds its advisory lock meanwhile), in one round trip.
 */
export async function writeVersion(client: pg.Client, version: bigint, dirty: boolean): Promise<void> {
  await client.query(versionStatements(version, dirty).join('; '));
}

function versionStatements(version: bigint, dirty: boolean): string[] {
  const statements = [`TRUNCATE ${TRACKER}`];
  if (version >= 0n || dirty) statements.push(`INSERT INTO ${TRACKER} (version, dirty) VALUES (${version.toString()}, ${String(dirty)})`);
  return statements;
}

export async function setVersion(client: pg.Client, version: bigint, dirty: boolean): Promise<void> {
  try {
    await client.query(['BEGIN', ...versionStatements(version, dirty), 'COMMIT'].join('; '));
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function versionOf(block: Block): bigint {
  return BigInt(block.migrations[0]!.id);
}

/** Whether a file can only apply entirely or not at all when its block fails. */
export function atomic(block: Block): boolean {
  const statements = block.statements;
  const last = statements.length - 1;
  const commits = statements.flatMap((s, i) => (isCommit(s) ? [i] : []));
  const onlyFinalCommit = commits.length === 0 || (commits.length === 1 && commits[0] === last);
  switch (block.rule) {
    case 'in-txn':
      return true;
    case 'script':
      return onlyFinalCommit;
    case 'no-txn': {
      const opens = ['BEGIN', 'START'].includes(statements[0]?.detail?.transaction ?? '');
      return statements.length <= 1 || (opens && commits.length === 1 && commits[0] === last);
    }
  }
}

/** The version before `i` in the files, or NilVersion before the first: what `migrate force` goes back to. */
function previousVersion(blocks: Block[], i: number): bigint {
  return i > 0 ? versionOf(blocks[i - 1]!) : NIL_VERSION;
}

/** What an operator must do about a dirty version, from what the file could have left (the refusal's words). */
export function operatorAction(blocks: Block[], dirty: string): string {
  const i = blocks.findIndex((b) => versionOf(b) === BigInt(dirty));
  const block = blocks[i];
  const undo = `migrate force ${previousVersion(blocks, i)}`;
  if (!block) return `find out how far version ${dirty} got, repair the database by hand, then run \`migrate force ${dirty}\` (or the version before it if nothing of it applied) and \`migrate up\``;
  const file = block.migrations[0]!.name;
  if (atomic(block)) {
    return (
      `${file} runs in one transaction, so it applied entirely or not at all: if its changes are absent, run \`${undo}\` and \`migrate up\`; ` +
      `if they are there (the process died between its commit and the version update, golang-migrate #325), run \`migrate force ${dirty}\``
    );
  }
  return (
    `${file} commits in several steps (${whyNotAtomic(block)}), so part of it may have applied: repair the partial state by hand, ` +
    `then run \`migrate force ${dirty}\` if all of it is applied, or \`${undo}\` if none of it is, and \`migrate up\``
  );
}

function whyNotAtomic(block: Block): string {
  return block.rule === 'no-txn' ? 'x-multi-statement sends each piece on its own' : 'the file holds its own COMMIT';
}

/** `migrate force V`: Force sets the version clean, whatever the dirty one was. */
export async function forceVersion(db: DatabaseHandle, version: bigint): Promise<void> {
  const client = quiet(await db.connect());
  try {
    await setVersion(client, version, false);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** What the version row says now. */
export async function readVersion(db: DatabaseHandle): Promise<{ version: string; dirty: boolean } | undefined> {
  const client = quiet(await db.connect());
  try {
    const exists = await client.query<{ found: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS found`, [TRACKER]);
    if (!exists.rows[0]?.found) return undefined;
    return (await client.query<{ version: string; dirty: boolean }>(SELECT_VERSION)).rows[0];
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A dirty version as an operator meets it. golang-migrate writes `dirty = true` before every file
 * and refuses every later run until someone forces a version, after any failure in any file:
 * no file can avoid it. The operator looks at what the file left and forces the version that
 * matches it, the one before when none of the file applied, the file's own when all of it did
 * (the process died between the file's commit and the version update, golang-migrate #325), then
 * runs `migrate up`. A file that can leave part of itself has no version that matches: that is
 * the set's defect, and the check's finding.
 */
export function dirtyVersionStop(blocks: Block[], dirty: bigint): InherentStop | undefined {
  const i = blocks.findIndex((b) => versionOf(b) === dirty);
  const block = blocks[i];
  // A version the files do not have: only a repair by hand can help, which no check can model.
  if (!block) return undefined;
  const migration = block.migrations[0]!;
  const previous = previousVersion(blocks, i);
  const fix = atomic(block)
    ? 'make its statements safe to run again (IF NOT EXISTS, WHERE … IS NULL)'
    : block.rule === 'no-txn'
      ? 'wrap the file in BEGIN; … COMMIT; so that it applies whole or not at all (x-multi-statement sends each piece on its own), or make every statement safe to run again (IF NOT EXISTS, WHERE … IS NULL)'
      : 'leave the transaction to golang-migrate (a file sent as one string runs in one implicit transaction: drop its own BEGIN/COMMIT), or make every statement safe to run again (IF NOT EXISTS, WHERE … IS NULL)';
  return {
    kind: 'golang-migrate:dirty-version',
    file: migration.file,
    block: block.index,
    message:
      `Dirty database version ${dirty}. Fix and force version. golang-migrate marks each version dirty before it runs the file and refuses every later run until a version is forced: ` +
      'it does so after any failure in any file, whatever the file says, so the check models the operator\'s recovery instead',
    action:
      `look at what ${migration.name} left: none of it → \`migrate force ${previous}\`; all of it (the process died before the version update, golang-migrate #325) → \`migrate force ${dirty}\`; then \`migrate up\``,
    actions: [previous, dirty].map((version) => ({
      label: `\`migrate force ${version}\` and \`migrate up\``,
      apply: async (db) => {
        await forceVersion(db, version);
        return db;
      },
    })),
    hint: `${migration.name} left part of itself, which no forced version matches (\`migrate force ${previous}\` runs it again, \`migrate force ${dirty}\` skips the rest): ${fix}`,
  };
}
