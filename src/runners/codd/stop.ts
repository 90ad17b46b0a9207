import type { DatabaseHandle } from '../../postgres/types.js';
import type { InherentStop, Trace } from '../types.js';
import type { CoddCluster } from './cluster.js';
import { createdDatabases, type Settings } from './plan.js';
import { createdName, parseOne } from './sql.js';

/**
 * A second run of a migration whose `CREATE DATABASE` an earlier run committed without recording
 * the migration: a crash or a lost connection before codd wrote its record (a bootstrap's record
 * waits for the first block on the new database). The server answers 42P04, and PostgreSQL has no
 * `CREATE DATABASE IF NOT EXISTS`, so no SQL in the set can avoid it. codd's own advice for its
 * bootstrap (docs/BOOTSTRAPPING.md, which its error messages point to) is `dropdb … && codd up`.
 */
export function unrecordedDatabase(cluster: CoddCluster, db: DatabaseHandle, trace: Trace, s: Settings): InherentStop | undefined {
  const failure = trace.failure;
  const statement = failure?.statement;
  if (!failure || failure.faulted || failure.error.sqlstate !== '42P04' || statement?.kind !== 'CreatedbStmt') return undefined;
  const name = createdName(parseOne(statement.sql));
  const migration = failure.block.migrations.find((m) => m.file === statement.file);
  const lineage = cluster.lineageOf(db);
  // Only a database an earlier run of this very case made: any other 42P04 is the set's own.
  if (!name || !migration || !lineage?.databases.has(name)) return undefined;
  const dropped = [...createdDatabases([migration])].filter((n) => lineage.databases.has(n));
  const dropdb = `dropdb ${dropped.join(' ')}`;
  return {
    kind: 'codd:unrecorded-create-database',
    file: migration.file,
    block: failure.block.index,
    message:
      `codd runs ${migration.name} again, whose CREATE DATABASE ${name} an earlier run committed before codd recorded the migration (a crash or a lost connection in between): ` +
      'PostgreSQL answers 42P04 and has no CREATE DATABASE IF NOT EXISTS, so no SQL in the set avoids it, and the check models the operator\'s recovery instead',
    action: `\`${dropdb}\` (with what the set put there), then \`codd up\`: codd's advice for its bootstrap (docs/BOOTSTRAPPING.md: "dropdb … && codd up")`,
    actions: [
      {
        label: `\`${dropdb}\` and \`codd up\``,
        // The case's database plays the default one: dropping that gives a new empty database the case's place.
        apply: async (left, scratch) => {
          if (s.database === undefined || !dropped.includes(s.database)) {
            await cluster.dropInPlace(left, dropped);
            return left;
          }
          const target = await scratch();
          await cluster.copyLineage(left, target, dropped, s.database);
          return target;
        },
      },
    ],
  };
}
