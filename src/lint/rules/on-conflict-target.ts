import type { RangeVar } from 'libpg-query';
import { as, tableKey } from '../ast.js';
import type { Rule } from '../types.js';
import { placeOf, whenAgain } from './common.js';

/**
 * on-conflict-target — INSERT … ON CONFLICT (columns) whose unique key a later statement of the
 * set drops or replaces, where the statement can run twice (certctl's sibling bug).
 *
 * The first run finds the key and passes. The run that runs the statement again finds the table as
 * the schema model says it is then (for a tracker-less runner: after the whole set, then the
 * files before this one again): no unique index matches the target, and PostgreSQL refuses the
 * statement with `42P10` (there is no unique or exclusion constraint matching the ON CONFLICT
 * specification). The keys are read from the set's own DDL; a table whose keys the model cannot
 * see (touched by code it cannot read) is left alone.
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
    const first = context.schema.firstTable(target, table);
    if (!first || first.opaque) return undefined;
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
    if (!firstKey) return undefined;
    for (const state of context.schema.again(target)) {
      const again = state.presence(`relation:${table}`) === 'present' ? state.table(table) : undefined;
      if (!again || again.opaque || again.keys.some(matches) || again.keys.some((k) => k.columns === null || k.partial)) continue;
      const dropped = again.removedKeys.find((r) => r.key.name === firstKey.name);
      const by = dropped ? ` (${dropped.by.statement.sql.split('\n')[0]!.trim()} at ${placeOf(dropped.by)} removes ${firstKey.name})` : '';
      const now = again.keys.filter((k) => k.columns).map((k) => `(${k.columns!.join(', ')})`);
      return {
        at: target,
        message: `ON CONFLICT ${wanted} names a unique key that ${table} no longer has when the statement runs again${by}, so this INSERT fails with 42P10 (no unique or exclusion constraint matching the ON CONFLICT specification): ${whenAgain(target)}`,
        hint:
          now.length > 0
            ? `write ON CONFLICT DO NOTHING without a target (it works with any key of the table, before and after the change), or target a key the table keeps: ${now.join(', ')}`
            : 'write ON CONFLICT DO NOTHING without a target, and keep a unique key on the table',
        sqlstate: '42P10',
      };
    }
    return undefined;
  },
};
