import { TOOLS } from '../runners/registry.js';
import { checkRules } from './checks.js';
import { resolveType, type RawType } from './kinds.js';
import { partitionRules } from './partitions.js';
import type { CheckRule } from './checks.js';
import type { ColumnShape, ForeignKeyShape, Shapes, TableShape, Unfilled } from './types.js';

/** The catalog as catalog.ts reads it: names and flags, nothing decided yet. */
export interface RawCatalog {
  user: string;
  superuser: boolean;
  bypassRowSecurity: boolean;
  tables: RawTable[];
  types: RawType[];
}

export interface RawTable {
  schema: string;
  name: string;
  /** relkind: r table, p partitioned table, f foreign table */
  kind: string;
  /** `schema.name` of the partitioned table this one is a partition of. */
  partitionOf: string | null;
  owner: string;
  rowSecurity: boolean;
  forceRowSecurity: boolean;
  /** The reading role is a member of the owner (so it may SET ROLE to it). */
  ownerMember: boolean;
  extension: string | null;
  columns: RawColumn[];
  keys: string[][];
  foreignKeys: { name: string; parent: string; columns: string[]; parentColumns: string[] }[];
  /** CHECK definitions, as pg_get_constraintdef gives them. */
  checks: string[];
  /** A partitioned table's key (pg_get_partkeydef) and its partitions' bounds (pg_get_expr of relpartbound). */
  partitionKey?: string | null;
  partitionBounds?: string[];
}

export interface RawColumn {
  name: string;
  type: string;
  typeOid: number;
  typmod: number;
  notNull: boolean;
  default: string | null;
  /** attidentity: '' none, 'a' always, 'd' by default */
  identity: string;
  /** attgenerated: '' none, 's' stored, 'v' virtual (PostgreSQL 18) */
  generated: string;
}

/**
 * The tools' trackers, from their models: their rows are the tool's state, not the application's.
 * A tracker in a schema of the tool's own leaves that whole schema out; one in `public` only its table.
 */
export const TRACKERS = [
  ...new Set(TOOLS.flatMap(({ model: { tracker } }) => (!tracker ? [] : tracker.schema === 'public' ? [tracker.table] : [`${tracker.schema}.*`]))),
];

const qualified = (t: { schema: string; name: string }): string => `${t.schema}.${t.name}`;

/** `schema.name`, a bare `name` (any schema) or `schema.*`. */
function excluded(table: RawTable, patterns: string[]): boolean {
  return patterns.some((p) => p === table.name || p === qualified(table) || p === `${table.schema}.*`);
}

interface Candidate {
  raw: RawTable;
  columns: ColumnShape[];
  checks: CheckRule[];
  foreignKeys: (ForeignKeyShape & { parentName: string })[];
}

/**
 * Decides, from the catalog alone, which tables the generator fills, in which order, and why the
 * others are left out. Pure: unit-tested without a server.
 */
export function shapesOf(raw: RawCatalog, options: { schemas?: string[]; exclude?: string[] } = {}): Shapes {
  const types = new Map(raw.types.map((t) => [t.oid, t]));
  const unfilled: Unfilled[] = [];
  const skipped: Unfilled[] = [];
  const candidates = new Map<string, Candidate>();
  const unfillable = new Map<string, string>();
  const leaveOut = (name: string, reason: string): void => {
    if (!unfillable.has(name)) unfillable.set(name, reason);
  };

  for (const table of raw.tables) {
    if (options.schemas && !options.schemas.includes(table.schema)) continue;
    const name = qualified(table);
    if (table.kind === 'f') skipped.push({ table: name, reason: 'foreign table: its rows live on another server' });
    else if (table.extension) skipped.push({ table: name, reason: `belongs to extension ${table.extension}` });
    else if (table.partitionOf) skipped.push({ table: name, reason: `partition of ${table.partitionOf}: filled through it` });
    else if (excluded(table, TRACKERS)) skipped.push({ table: name, reason: 'excluded: a migration tool\'s tracker' });
    else if (excluded(table, options.exclude ?? [])) skipped.push({ table: name, reason: 'excluded: named in exclude' });
    else {
      const columns = table.columns.map((c) => columnShape(types, c));
      const checks = [
        ...table.checks.flatMap(checkRules),
        ...partitionRules(table.partitionKey ?? null, table.partitionBounds ?? []),
        // A domain's rules speak of VALUE: the column's value.
        ...table.columns.flatMap((c) =>
          resolveType(types, c.typeOid, c.typmod).checks.flatMap(checkRules).map((r) =>
            r.kind === 'order' ? r : { ...r, column: r.column === 'VALUE' ? c.name : r.column })),
      ];
      const missing = columns.find((c) => !c.written && !c.serverMade && c.notNull && !c.hasDefault);
      if (missing) leaveOut(name, `column ${missing.name} of type ${missing.type} is NOT NULL, has no default, and migtest generates no ${missing.type}`);
      candidates.set(name, {
        raw: table,
        columns,
        checks,
        foreignKeys: table.foreignKeys.map((fk) => ({
          name: fk.name,
          columns: fk.columns,
          parent: -1,
          parentName: fk.parent,
          parentColumns: fk.parentColumns,
          nullable: fk.columns.every((c) => !columns.find((x) => x.name === c)?.notNull),
        })),
      });
    }
  }
  const leftOut = new Map([...skipped.map((s) => [s.table, s.reason] as const)]);
  settleForeignKeys(candidates, unfillable, leftOut);

  const order = topological(candidates, unfillable);
  for (const [table, reason] of unfillable) unfilled.push({ table, reason });
  const index = new Map(order.map((name, i) => [name, i]));
  const tables: TableShape[] = order.map((name) => {
    const c = candidates.get(name)!;
    return {
      schema: c.raw.schema,
      name: c.raw.name,
      owner: c.raw.owner,
      rowSecurity: c.raw.rowSecurity,
      forceRowSecurity: c.raw.forceRowSecurity,
      ownerMember: c.raw.ownerMember,
      partitioned: c.raw.kind === 'p',
      columns: c.columns,
      keys: dedupe(c.raw.keys),
      checks: c.checks,
      foreignKeys: c.foreignKeys.map(({ parentName, ...fk }) => ({ ...fk, parent: index.get(parentName) ?? -1 })),
      referenced: [],
    };
  });
  for (const table of tables) {
    for (const fk of table.foreignKeys) {
      if (fk.alwaysNull || fk.parent < 0) continue;
      const parent = tables[fk.parent]!;
      for (const column of fk.parentColumns) if (!parent.referenced.includes(column)) parent.referenced.push(column);
    }
  }
  return { tables, unfilled: unfilled.sort((a, b) => a.table.localeCompare(b.table)), skipped, bypassRowSecurity: raw.bypassRowSecurity, superuser: raw.superuser, user: raw.user };
}

function columnShape(types: Map<number, RawType>, c: RawColumn): ColumnShape {
  const resolved = resolveType(types, c.typeOid, c.typmod);
  const serverMade: ColumnShape['serverMade'] =
    c.generated ? 'generated'
    : c.identity === 'a' ? 'identity always'
    : c.identity === 'd' ? 'identity by default'
    : c.default !== null && /^nextval\(/.test(c.default) ? 'serial'
    : undefined;
  return {
    name: c.name,
    type: c.type,
    ...(resolved.value ? { value: resolved.value } : {}),
    notNull: c.notNull || resolved.notNull,
    hasDefault: c.default !== null || resolved.hasDefault,
    ...(serverMade ? { serverMade } : {}),
    written: !serverMade && resolved.value !== undefined,
  };
}

function dedupe(keys: string[][]): string[][] {
  const seen = new Set<string>();
  return keys.filter((k) => k.length > 0 && !seen.has(k.join('\0')) && seen.add(k.join('\0')));
}

/**
 * A foreign key to a table that is not filled: NULL where it may be, else the child is not
 * filled either, and so on down; the same for keys over columns the server makes.
 */
function settleForeignKeys(candidates: Map<string, Candidate>, unfillable: Map<string, string>, leftOut: Map<string, string>): void {
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, c] of candidates) {
      if (unfillable.has(name)) continue;
      for (const fk of c.foreignKeys) {
        if (fk.alwaysNull) continue;
        const why = candidates.has(fk.parentName) ? unfillable.get(fk.parentName) : (leftOut.get(fk.parentName) ?? 'not among the schemas filled');
        const serverMade = fk.columns.some((col) => !c.columns.find((x) => x.name === col)?.written);
        if (serverMade) fk.alwaysNull = 'a column of the key is left to the server';
        else if (why === undefined) continue;
        else if (fk.nullable) fk.alwaysNull = `${fk.parentName} is not filled (${why})`;
        else {
          unfillable.set(name, `foreign key ${fk.name} (${fk.columns.join(', ')}) is NOT NULL and needs rows of ${fk.parentName}, which is not filled (${why})`);
          changed = true;
          break;
        }
      }
    }
  }
}

/**
 * Parents before children. A cycle of foreign keys is broken on its nullable edges (those columns
 * stay NULL); a cycle of NOT NULL keys cannot be filled with INSERTs alone. A nullable
 * self-reference stays: rows go in one by one and point to earlier rows.
 */
function topological(candidates: Map<string, Candidate>, unfillable: Map<string, string>): string[] {
  for (;;) {
    const live = [...candidates.keys()].filter((n) => !unfillable.has(n)).sort();
    const edges = (name: string): string[] =>
      candidates.get(name)!.foreignKeys.filter((fk) => !fk.alwaysNull && fk.parentName !== name && !unfillable.has(fk.parentName)).map((fk) => fk.parentName);
    let changed = false;
    for (const name of live) {
      const self = candidates.get(name)!.foreignKeys.find((fk) => !fk.alwaysNull && fk.parentName === name && !fk.nullable);
      if (self) {
        unfillable.set(name, `foreign key ${self.name} (${self.columns.join(', ')}) is a NOT NULL reference to the table itself: no first row can be inserted`);
        changed = true;
      }
    }
    if (changed) {
      settleForeignKeys(candidates, unfillable, new Map());
      continue;
    }
    for (const component of components(live, edges)) {
      if (component.length < 2) continue;
      const members = new Set(component);
      const cycle = component.join(' → ');
      let broken = false;
      for (const name of component) {
        for (const fk of candidates.get(name)!.foreignKeys) {
          if (!fk.alwaysNull && fk.nullable && members.has(fk.parentName) && fk.parentName !== name) {
            fk.alwaysNull = `left NULL to break the cycle of foreign keys ${cycle}`;
            broken = true;
          }
        }
      }
      changed = true;
      if (!broken) {
        for (const name of component) unfillable.set(name, `a cycle of NOT NULL foreign keys (${cycle}): no first row can be inserted`);
      }
    }
    if (changed) {
      settleForeignKeys(candidates, unfillable, new Map());
      continue;
    }
    // Acyclic now: depth-first, parents first, names in order for a stable result.
    const order: string[] = [];
    const done = new Set<string>();
    const visit = (name: string): void => {
      if (done.has(name)) return;
      done.add(name);
      for (const parent of edges(name)) visit(parent);
      order.push(name);
    };
    for (const name of live) visit(name);
    return order;
  }
}

/** Strongly connected components (Tarjan), each in name order. */
function components(nodes: string[], edges: (n: string) => string[]): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of edges(v)) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(w);
      } while (w !== v);
      out.push(c.sort());
    }
  };
  for (const n of nodes) if (!index.has(n)) strong(n);
  return out;
}
