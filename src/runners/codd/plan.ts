import type { Node } from 'libpg-query';
import { as } from '../../lint/ast.js';
import type { Migration, MigrationSet, Statement } from '../../migrations/types.js';
import type { RunnerOptions } from '../types.js';

/** codd's default database: the `database` option, else the one database the set creates. */
export function coddDefaultDatabase(set: MigrationSet, options: RunnerOptions, ast: (s: Statement) => Node | undefined): string | undefined {
  if (options.database) return options.database;
  const created = new Set<string>();
  for (const m of set.migrations) {
    for (const s of m.up.statements) {
      if (s.kind !== 'CreatedbStmt') continue;
      const name = as<{ dbname?: string }>(ast(s), 'CreatedbStmt')?.dbname;
      if (name) created.add(name);
    }
  }
  return created.size === 1 ? [...created][0] : undefined;
}

export function onDefaultConnection(migration: Migration, defaultDatabase: string | undefined): boolean {
  const database = migration.directives['connection-database'];
  return typeof database !== 'string' || database === defaultDatabase;
}
