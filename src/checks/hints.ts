import type { Statement } from '../migrations/types.js';

/**
 * What to do about the error classes that make a migration fail when it runs again. Keyed by
 * SQLSTATE, refined by the statement's kind where the fix depends on it.
 */
export function hintFor(sqlstate: string | null, statement: Statement | undefined): string | null {
  const kind = statement?.kind;
  const sql = statement?.sql ?? '';
  switch (sqlstate) {
    case '42710':
      if (kind === 'AlterTableStmt' && /\bADD\s+CONSTRAINT\b/i.test(sql)) {
        return "guard it with a pg_constraint lookup in a DO block (DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = '…') THEN ALTER TABLE … ADD CONSTRAINT …; END IF; END $$), or DROP CONSTRAINT IF EXISTS first";
      }
      if (kind === 'CreateTrigStmt') return 'use CREATE OR REPLACE TRIGGER (PostgreSQL 14+), or DROP TRIGGER IF EXISTS first';
      if (kind === 'CreateRoleStmt') return 'create the role in a DO block that checks pg_roles first';
      return 'the object already exists on a second run: add IF NOT EXISTS, or a guard that checks the catalog first';
    case '42P07':
      return 'the relation already exists on a second run: use CREATE TABLE / INDEX / SEQUENCE … IF NOT EXISTS';
    case '42701':
      return 'the column already exists on a second run: use ALTER TABLE … ADD COLUMN IF NOT EXISTS';
    case '42723':
      return 'the function already exists on a second run: use CREATE OR REPLACE FUNCTION';
    case '42P06':
      return 'the schema already exists on a second run: use CREATE SCHEMA IF NOT EXISTS';
    case '42P04':
      return 'the database already exists: create it only where pg_database has no such row';
    case '42704':
    case '42P01':
    case '42703':
      return 'the object is gone on a second run (a later migration dropped or renamed it): use IF EXISTS, or guard the statement on the catalog';
    case '42P10':
      return 'the ON CONFLICT target names columns that no unique constraint or index covers any more (a later migration dropped it): target a key that exists after every migration, or use ON CONFLICT DO NOTHING without a target';
    case '23505':
      return kind === 'InsertStmt'
        ? 'the row is already there on a second run: add ON CONFLICT … DO NOTHING (or DO UPDATE)'
        : 'a unique key is violated on a second run: make the statement idempotent';
    case '25001':
      return 'the statement cannot run inside a transaction block: give it a migration of its own that the runner does not wrap';
    default:
      return null;
  }
}

/** The fix for rows that a second run adds again. */
export const DUPLICATE_ROWS_HINT =
  'the second run inserted the rows again: add ON CONFLICT … DO NOTHING on a unique key, or INSERT … SELECT … WHERE NOT EXISTS';

/**
 * What to do about a migration that fails only on a table with rows (check `populated`), keyed by
 * SQLSTATE and refined by the statement; null where the generic hint says it.
 */
export function dataHintFor(sqlstate: string | null, statement: Statement | undefined): string | null {
  const sql = statement?.sql ?? '';
  switch (sqlstate) {
    case '23502':
      return /\bSET\s+NOT\s+NULL\b/i.test(sql)
        ? 'rows with NULL exist when the column becomes NOT NULL: backfill them first (UPDATE … SET col = … WHERE col IS NULL), then SET NOT NULL'
        : 'the new NOT NULL column has no value in the existing rows: give it a DEFAULT, or add it nullable, backfill it, then SET NOT NULL';
    case '23505':
      // An INSERT that meets keys already there: rows it copies or seeds exist (an earlier run of
      // the same file, or the application's own), not duplicates a new key would forbid.
      return /^\s*(?:WITH\b[\s\S]*\)\s*)?INSERT\s+INTO\b/i.test(sql)
        ? 'the rows this INSERT writes are there already (an earlier run of the file, or the application\'s own): skip them (ON CONFLICT … DO NOTHING, or WHERE NOT EXISTS)'
        : 'existing rows hold duplicates of the new unique key: remove or merge them in the same migration before the index or constraint is built';
    case '23514':
    case '23P01':
      return 'existing rows break the new constraint: fix them first, or add it NOT VALID and VALIDATE it once they are fixed';
    case '23503':
      return 'existing rows reference keys that do not exist: clean them up first, or add the foreign key NOT VALID and VALIDATE it later';
    case '22P02':
    case '22003':
    case '22001':
    case '22007':
    case '22008':
      return 'some existing values do not convert: convert them in the USING clause (CASE … END for the ones that do not), or clean them first';
    default:
      return null;
  }
}
