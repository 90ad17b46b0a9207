import type { Node } from 'libpg-query';
import { InputError, type Migration, type MigrationSet, type Statement } from '../../migrations/types.js';
import type { Block, Plan, RunnerOptions } from '../types.js';
import { coddConnection, isNoTxn } from './format.js';
import { createdName, parseOne } from './sql.js';

/*
 * codd's plan: which database is the default one, and how migrations group into blocks.
 */

export const OPTIONS: Record<string, string> = {
  database:
    'the database CODD_CONNECTION names: the case database plays it, and -- codd-connection: strings naming it connect there (default: the one database the set creates, if it creates exactly one)',
  user: "the user CODD_CONNECTION connects as (default: the server's own user)",
};

export interface Settings {
  /** The set's name for the default database (CODD_CONNECTION's dbname), if known. */
  database?: string;
  /** Whether the set itself creates the default database (codd's bootstrap). */
  createsDefault: boolean;
  user?: string;
}

/** codd's plan: its blocks, and the default database and user its runs connect with. */
export interface CoddPlan extends Plan {
  settings: Settings;
}

export function settings(set: MigrationSet, options: RunnerOptions = {}): Settings {
  for (const [name, value] of Object.entries(options)) {
    if (!(name in OPTIONS)) {
      throw new InputError(
        `unknown runner option '${name}' for codd`,
        undefined,
        undefined,
        undefined,
        `codd's runner options are ${Object.keys(OPTIONS).join(' and ')}: --runner-option database=orders --runner-option user=orders_owner`,
      );
    }
    if (value.trim() === '') throw new InputError(`runner option ${name} is empty`, undefined, undefined, undefined, `give it a value: --runner-option ${name}=…`);
  }
  const created = createdDatabases(set.migrations);
  const database = options.database ?? only(created);
  return {
    ...(database !== undefined ? { database } : {}),
    createsDefault: database !== undefined && created.has(database),
    ...(options.user !== undefined ? { user: options.user } : {}),
  };
}

/**
 * codd's default database as lint sees it: the `database` option, else the one database the set
 * creates. `ast` gives a statement's parse tree (lint parses each statement once).
 */
export function coddDefaultDatabase(set: MigrationSet, options: RunnerOptions, ast: (s: Statement) => Node | undefined): string | undefined {
  if (options.database) return options.database;
  return only(createdDatabases(set.migrations, (s) => createdName(ast(s))));
}

export function onDefaultConnection(migration: Migration, defaultDatabase: string | undefined): boolean {
  const database = migration.directives['connection-database'];
  return typeof database !== 'string' || database === defaultDatabase;
}

/** Names of the databases the migrations' statements create; `nameOf` reads one CREATE DATABASE. */
export function createdDatabases(migrations: Migration[], nameOf: (s: Statement) => string | undefined = (s) => createdName(parseOne(s.sql))): Set<string> {
  const names = new Set<string>();
  for (const m of migrations) {
    for (const s of m.up.statements) {
      if (s.kind !== 'CreatedbStmt') continue;
      const name = nameOf(s);
      if (name) names.add(name);
    }
  }
  return names;
}

function only(names: Set<string>): string | undefined {
  return names.size === 1 ? [...names][0] : undefined;
}

/** The connection a migration runs on, as codd tells them apart ('' for the default one). */
function connectionKey(migration: Migration): string {
  return coddConnection(migration)?.key ?? '';
}

export function blocksOf(set: MigrationSet): Block[] {
  const blocks: Block[] = [];
  for (const migration of set.migrations) {
    const last = blocks[blocks.length - 1];
    const inTxn = !isNoTxn(migration);
    if (inTxn && last?.rule === 'in-txn' && connectionKey(last.migrations[0]!) === connectionKey(migration)) {
      last.migrations.push(migration);
      last.statements.push(...migration.up.statements);
    } else {
      blocks.push({ index: blocks.length, rule: inTxn ? 'in-txn' : 'no-txn', migrations: [migration], statements: [...migration.up.statements] });
    }
  }
  return blocks;
}
