import type { Statement } from '../migrations/types.js';
import { compareStates } from './compare.js';
import { tableOf, type Difference, type DataFingerprint } from '../snapshot/types.js';
import { errorFinding, stateFinding } from './findings.js';
import { DUPLICATE_ROWS_HINT } from './hints.js';
import type { State } from './states.js';
import type { Check, CheckContext, Finding } from './types.js';
import { appliedSet } from './applies.js';
import { writersOf, type Writer } from './writer.js';
import { verifyFinding } from './verify.js';
import { skipReason } from './applies.js';

/**
 * After a full apply, running the runner again succeeds and leaves the same schema and data. For a
 * runner without a tracker that means every migration runs a second time.
 */
export const twice: Check = {
  name: 'twice',
  summary: 'a second run succeeds and leaves the same schema and data',
  async run(context) {
    const first = await appliedSet(context);
    // After the set applies (a set that does not is a failure, never a skip): a run that cannot
    // run a migration again has nothing for this check to find.
    const skip = skipReason('twice', context.model, context.states.plan);
    if (skip) return { status: 'skip', cases: 0, findings: [], reason: skip };
    const db = await context.states.copy(first);
    try {
      const second = await context.states.run(db);
      const reproduce = context.reproduce('twice');
      if (second.failure) {
        return { status: 'fail', cases: 1, findings: [errorFinding('twice', second.failure, reproduce)] };
      }
      // Exact: the same database before and after a second run, so a value rewritten (updated_at = now()) is a change.
      const comparison = await compareStates(context.states, db, first, { relaxed: false, trackers: false });
      const findings = comparison.equal ? [] : await describe(context, first, comparison.diff, reproduce);
      for (const failure of await context.states.verify(db)) findings.push(verifyFinding('twice', failure, 'the state after a second run', reproduce));
      return { status: findings.length === 0 ? 'pass' : 'fail', cases: 1, findings };
    } finally {
      await context.states.drop(db);
    }
  },
};

async function describe(context: CheckContext, first: State, diff: Difference[], reproduce: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  const schema = diff.filter((d) => !d.path.startsWith('data:'));
  const data = diff.filter((d) => d.path.startsWith('data:'));
  const writers = await attribute(context, first, data.map((d) => tableOf(d)));
  for (const d of data) {
    const table = tableOf(d);
    const before = d.expected as DataFingerprint | undefined;
    const after = d.found as DataFingerprint | undefined;
    const counts =
      before && after && before.rows !== after.rows
        ? `${before.rows} rows after the first run, ${after.rows} after the second`
        : 'the same number of rows, with other values';
    const written = writers.get(table);
    const writer = written?.statement ?? writerOf(context, table, after && before && after.rows > before.rows ? 'InsertStmt' : undefined);
    const inBody = written?.inBody ? `, written at line ${written.inBody.line} inside the DO block at line ${written.statement.line}` : '';
    findings.push(
      stateFinding('twice', `second run changed the data of ${table}: ${counts}${inBody}`, [d], reproduce, {
        ...(writer ? { statement: writer } : {}),
        ...(written?.inBody ? { place: written.inBody } : {}),
        ...(after && before && after.rows > before.rows ? { hint: DUPLICATE_ROWS_HINT } : {
          hint: 'a statement writes other values when it runs again (e.g. UPDATE … SET x = x * 1.1, now()): make it converge',
        }),
      }),
    );
  }
  if (schema.length > 0) {
    const paths = schema.map((d) => d.path);
    findings.push(
      stateFinding(
        'twice',
        `second run succeeded but changed the schema: ${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ` and ${paths.length - 3} more` : ''}`,
        schema,
        reproduce,
        { hint: 'a migration changes the schema again when re-run: make it converge (IF NOT EXISTS, CREATE OR REPLACE, guards)' },
      ),
    );
  }
  return findings;
}

/**
 * The statement of the second run that wrote each differing table, found by running it again
 * (src/checks/writer.ts); a table it cannot settle falls back to the statements that name it.
 */
async function attribute(context: CheckContext, first: State, tables: string[]): Promise<Map<string, Writer>> {
  if (tables.length === 0) return new Map();
  try {
    return await writersOf(context.states, { copy: () => context.states.copy(first) }, tables);
  } catch {
    return new Map(); // the difference stands; only its attribution falls back
  }
}

/** The first statement of the set that writes into `table` (qualified), preferring `kind`: a guess by name. */
function writerOf(context: CheckContext, table: string, kind?: string): Statement | undefined {
  const statements = context.set.migrations.flatMap((m) => m.up.statements);
  const writes = statements.filter((s) => {
    const relation = s.detail?.relation;
    if (!relation) return false;
    return `${relation.schema ?? 'public'}.${relation.name}` === table;
  });
  return writes.find((s) => s.kind === kind) ?? writes.find((s) => ['InsertStmt', 'UpdateStmt', 'DeleteStmt'].includes(s.kind));
}
