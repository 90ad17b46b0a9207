import { as } from '../ast.js';
import type { Problem, Rule } from '../types.js';
import { MISSING } from './drop-if-exists.js';

/**
 * down-runs-again — a statement of a down section that fails when it runs a second time, where the
 * tool can run it a second time: the section runs outside a transaction and the tool records the
 * step apart from it (which statements that makes is the model's: DownSemantics.runsAgain), so a
 * rollback stopped between them is followed by one that runs it again.
 *
 * Read from the parse alone (no schema model of the downs): a DROP, DROP COLUMN or DROP
 * CONSTRAINT without IF EXISTS fails the second time (`42704`, `42P01`, `42703`). `fault` and
 * `resume` with `--direction down` confirm it on a server.
 */
export const downRunsAgain: Rule = {
  id: 'down-runs-again',
  category: 're-run',
  summary: 'a DROP without IF EXISTS in a down section the tool can run a second time',
  squawk: 'prefer-robust-stmts',
  atlas: 'none',
  migration(migration, context) {
    const down = context.model.down;
    if (!down?.runsAgain || !migration.down || migration.down.invalid !== undefined) return [];
    const block = down.block(context.plan, migration);
    if (!block) return [];
    const problems: Problem[] = [];
    for (const i of down.runsAgain(context.plan, migration)) {
      const statement = block.statements[i];
      const unguarded = statement ? failsAgain(context.ast(statement)) : undefined;
      if (!statement || !unguarded) continue;
      problems.push({
        at: { file: statement.file, line: statement.line, column: statement.column, text: statement.sql },
        message: `${unguarded.what} fails with ${unguarded.sqlstate} (does not exist) when it runs again: this down section runs outside a transaction and \`${down.command}\` records the step apart from it, so after a rollback stopped in between the next one runs it a second time`,
        hint: unguarded.fix,
        sqlstate: unguarded.sqlstate,
      });
    }
    return problems;
  },
};

/** What a DROP without IF EXISTS answers the second time, and its guarded form. */
function failsAgain(node: unknown): { what: string; sqlstate: string; fix: string } | undefined {
  const drop = as<{ removeType?: string; missing_ok?: boolean }>(node, 'DropStmt');
  if (drop) {
    if (drop.missing_ok) return undefined;
    const what = `DROP ${(drop.removeType ?? 'OBJECT').replace(/^OBJECT_/, '').replace('_', ' ').replace('MATVIEW', 'MATERIALIZED VIEW')}`;
    return { what, sqlstate: MISSING[drop.removeType ?? ''] ?? '42704', fix: `write ${what} IF EXISTS …` };
  }
  const alter = as<{ cmds?: unknown[] }>(node, 'AlterTableStmt');
  for (const item of alter?.cmds ?? []) {
    const cmd = as<{ subtype?: string; name?: string; missing_ok?: boolean }>(item, 'AlterTableCmd');
    if (!cmd || cmd.missing_ok) continue;
    if (cmd.subtype === 'AT_DropColumn') return { what: `DROP COLUMN ${cmd.name ?? ''}`, sqlstate: '42703', fix: `write DROP COLUMN IF EXISTS ${cmd.name ?? '…'}` };
    if (cmd.subtype === 'AT_DropConstraint') return { what: `DROP CONSTRAINT ${cmd.name ?? ''}`, sqlstate: '42704', fix: `write DROP CONSTRAINT IF EXISTS ${cmd.name ?? '…'}` };
  }
  return undefined;
}
