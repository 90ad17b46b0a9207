import type { RangeVar } from 'libpg-query';
import { as, tableKey } from '../ast.js';
import type { Rule } from '../types.js';
import { whenAgain } from './common.js';

/**
 * on-conflict-target — INSERT … ON CONFLICT (columns) whose unique key a later statement of the
 * set drops or replaces, where the statement can run twice (certctl's sibling bug).
 *
 * The first run finds the key and passes. The second run finds the table as the whole set left
 * it: no unique index matches the target, and PostgreSQL refuses the statement with `42P10`
 * (there is no unique or exclusion constraint matching the ON CONFLICT specification). The keys
 * are read from the set's own DDL; a table that a DO block touches is left alone.
 */
export const onConflictTarget: Rule = {
  id: 'on-conflict-target',
  category: 're-run',
  summary: 'ON CONFLICT target whose unique key the set drops later, so a second run fails with 42P10',
  squawk: 'none',
  atlas: 'none',
  kinds: ['InsertStmt'],
  statement(target, context) {
    const insert = as<{ relation?: RangeVar; onConflictClause?: { infer?: { indexElems?: unknown[]; conname?: string } } }>(context.ast(target.statement), 'InsertStmt');
    const infer = insert?.onConflictClause?.infer;
    const table = tableKey(insert?.relation);
    if (!infer || !table) return undefined;
    const first = context.schema.before(target.statement);
    // Only the second run finds another table than the first, and only a tracker-less runner's
    // second run runs after statements that come later in the set.
    const again = target.rerun === 'every-run' ? context.schema.atEnd(table) : undefined;
    if (!first || first.opaque || !again || again.opaque) return undefined;

    let wanted: string;
    let matches: (key: { name: string; columns: string[] | null }) => boolean;
    if (infer.conname) {
      wanted = `ON CONSTRAINT ${infer.conname}`;
      matches = (k) => k.name === infer.conname;
    } else {
      const columns: string[] = [];
      for (const elem of infer.indexElems ?? []) {
        const name = as<{ name?: string }>(elem, 'IndexElem')?.name;
        if (name === undefined) return undefined; // an expression target: not modelled
        columns.push(name);
      }
      wanted = `(${columns.join(', ')})`;
      const set = [...columns].sort().join(',');
      matches = (k) => k.columns !== null && [...k.columns].sort().join(',') === set;
    }
    const firstKey = first.keys.find(matches);
    if (!firstKey || again.keys.some(matches) || again.keys.some((k) => k.columns === null || k.partial)) return undefined;
    const dropped = context.schema.removed(table).find((r) => r.key === firstKey);
    const by = dropped ? ` (${dropped.by.statement.sql.split('\n')[0]!.trim()} at ${fileName(dropped.by.statement.file)}:${dropped.by.statement.line} removes ${firstKey.name})` : '';
    const now = again.keys.filter((k) => k.columns).map((k) => `(${k.columns!.join(', ')})`);
    return {
      at: target,
      message: `ON CONFLICT ${wanted} names a unique key that ${table} no longer has after the whole set ran${by}, so this INSERT fails with 42P10 (no unique or exclusion constraint matching the ON CONFLICT specification) when it runs again: ${whenAgain(target)}`,
      hint:
        now.length > 0
          ? `write ON CONFLICT DO NOTHING without a target (it works with any key of the table, before and after the change), or target a key the table keeps: ${now.join(', ')}`
          : 'write ON CONFLICT DO NOTHING without a target, and keep a unique key on the table',
      sqlstate: '42P10',
    };
  },
};

function fileName(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}
