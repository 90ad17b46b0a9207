import { ident, insertSql, literal, qualifiedName } from './sql.js';
import type { DataPlan, Inserted, Shapes } from './types.js';

/**
 * The rows of a plan as INSERT statements a user can paste into psql, for a finding. With what
 * insertData returned, only the rows the server kept, references as the values they resolved to;
 * without it, every row, a reference as a subselect of the parent's n-th row (by its key).
 */
export function insertStatements(shapes: Shapes, plan: DataPlan, resolved?: Inserted[]): string[] {
  const out: string[] = [];
  plan.tables.forEach((data, i) => {
    const table = shapes.tables[i];
    if (!table || data.rows.length === 0) return;
    let rows: string[][];
    let columns = data.columns;
    let overriding = false;
    if (resolved?.[i]) {
      const got = resolved[i]!;
      // Keys the server made (identity, serial) that children point to go in as the values it
      // made: pasted elsewhere, the children's references still meet their parents.
      const made = table.referenced.filter((c) => !data.columns.includes(c) && table.columns.find((x) => x.name === c)?.serverMade !== 'generated');
      const extra = made.map((c) => table.referenced.indexOf(c));
      overriding = made.some((c) => table.columns.find((x) => x.name === c)?.serverMade === 'identity always');
      columns = [...data.columns, ...made];
      rows = data.rows.flatMap((_, r) =>
        got.accepted[r] && got.sent[r] ? [[...got.sent[r]!, ...extra.map((k) => got.keys?.[r]?.[k] ?? null)].map(literal)] : []);
    } else {
      rows = data.rows.map((row, r) => row.map((cell, c) => {
        if (cell === null || typeof cell === 'string') return literal(cell);
        const parent = shapes.tables[cell.parent];
        const column = data.columns[c]!;
        const fk = table.foreignKeys.find((k) => k.parent === cell.parent && k.columns.includes(column));
        if (!parent || !fk) return 'NULL';
        const target = fk.parentColumns[fk.columns.indexOf(column)]!;
        const order = (parent.referenced.length > 0 ? parent.referenced : [target]).map(ident).join(', ');
        // A self-reference points among the rows before it: those inserted before this statement.
        const offset = cell.parent === i ? cell.row % Math.max(1, r) : cell.row;
        return `(SELECT ${ident(target)} FROM ${qualifiedName(parent)} ORDER BY ${order} LIMIT 1 OFFSET ${offset})`;
      }));
    }
    if (rows.length === 0) return;
    // One statement per row where a row may point to the rows before it.
    const selfReferencing = table.foreignKeys.some((fk) => fk.parent === i && !fk.alwaysNull);
    const sql = (some: string[][]): string => `${insertSql(table, columns, some, [], overriding)};`;
    if (selfReferencing || columns.length === 0) for (const row of rows) out.push(sql([row]));
    else out.push(sql(rows));
  });
  return out;
}
