import type { ToolLint } from '../tool.js';
import { coddBootstrapOwner } from './codd-bootstrap-owner.js';
import { coddDefaultDatabase, onDefaultConnection } from './plan.js';

const again = 'the migration is not recorded, and the next `codd up` runs it again from its first statement';

export const lint: ToolLint = {
  words: {
    wrap: 'the transaction in which codd runs consecutive in-txn migrations',
    unit: 'migration',
    alone: 'give it a migration of its own with the header `-- codd: no-txn`',
    again,
    noTxnRerun: `this -- codd: no-txn migration commits statement by statement and is recorded only after its last one: if the connection is lost before, ${again}`,
    recordedApart: `this migration runs on another database (-- codd-connection) and codd records it only later, through the default connection: if it crashes in between, ${again}`,
  },
  rules: [coddBootstrapOwner],
  // codd records an in-txn block in its own transaction only on the default database.
  recordsWith(set, runnerOptions, ast) {
    const database = coddDefaultDatabase(set, runnerOptions, ast);
    return (block) => block.rule === 'in-txn' && block.migrations.every((m) => onDefaultConnection(m, database));
  },
};
