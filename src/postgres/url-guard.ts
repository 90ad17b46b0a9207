import { clusterChanges, type ClusterObject } from '../migrations/cluster.js';
import { InputError, type MigrationSet } from '../migrations/types.js';

/*
 * An existing server (--provider url) is the user's: a case may change only its own scratch
 * database. A statement that would change what every database of the server shares (a setting,
 * a role, another database, a tablespace) is refused before the run starts, read from the parse
 * of the set, since running it would change, or drop, what is not migtest's.
 */

/**
 * Refuses the first statement of the set that changes the server outside the case's database.
 * `perCase`: the objects the runner model itself maps onto objects of each case's own (a model that
 * gives every database a set names a copy per case), which are the case's and so allowed.
 */
export function refuseClusterChanges(set: MigrationSet, perCase: readonly ClusterObject[] = []): void {
  const statements = set.migrations.flatMap((m) => m.up.statements);
  const change = clusterChanges(statements).find((c) => !perCase.includes(c.object));
  if (!change) return;
  const text = change.sql.trim().replace(/\s+/g, ' ');
  const shown = text.length > 80 ? `${text.slice(0, 77)}…` : text;
  throw new InputError(
    `${change.what} changes the server outside the case's own database (${shown}), and --provider url runs on a server that is not migtest's: refused before the run starts`,
    change.statement.file,
    change.line,
    change.column,
    'run the set with --provider embedded (the default) or --provider container, where each run has a server of its own',
  );
}
