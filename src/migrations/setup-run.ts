import type { DatabaseHandle, Server } from '../postgres/types.js';
import { execStatements } from '../runners/execute.js';
import { InputError } from './types.js';
import type { SqlFile } from './setup.js';

/*
 * The base state of a run with --setup: one database per server where the setup files ran, once,
 * and which every empty database of the run is then a copy of. Roles a setup file creates belong
 * to the server and are made once with it; schemas and extensions are in the base database and
 * so in every case's starting point, snapshots and comparisons included.
 */

/**
 * Runs the setup files on a new database of `server`, statement by statement as psql would
 * (each autocommits), as the server's own superuser. A failing statement is the user's
 * environment, not a finding of the set: exit 2 with the file, the line and the error.
 */
export async function makeBase(server: Server, setup: readonly SqlFile[]): Promise<DatabaseHandle> {
  const base = await server.createDatabase();
  const client = await base.connect();
  try {
    for (const { statements } of setup) {
      const run = await execStatements(client, statements);
      if (!run.error) continue;
      const statement = statements[run.failedAt ?? 0]!;
      throw new InputError(
        `the setup file fails on PostgreSQL ${server.major}: ${run.error.sqlstate} ${run.error.message}`,
        statement.file,
        statement.line,
        statement.column,
        'a --setup file runs once, on an empty database, before the set: fix the statement so that it runs there (it is the environment the set expects, not part of the set)',
      );
    }
  } finally {
    await client.end();
  }
  return base;
}

/**
 * The server as the checks see it: an empty database is a copy of the base state. Everything
 * else (copies of a template, drops, crashes, stop) is the server's own.
 */
export function withBase(server: Server, base: DatabaseHandle): Server {
  const based: Server = {
    provider: server.provider,
    major: server.major,
    version: server.version,
    createDatabase: (options) => server.createDatabase({ template: options?.template ?? base.name }),
    dropDatabase: (name) => server.dropDatabase(name),
    stop: () => server.stop(),
  };
  if (server.crash) based.crash = server.crash;
  if (server.databaseSize) based.databaseSize = (name) => server.databaseSize!(name);
  if (server.connections) based.connections = () => server.connections!();
  if (server.storage !== undefined) based.storage = server.storage;
  return based;
}
