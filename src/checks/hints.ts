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
