/**
 * The canonical description of a database state. Every object is keyed by its qualified path
 * (`table:public.users`, `constraint:public.users.users_email_key`, …); no OIDs, no attnums.
 */
export interface Snapshot {
  /** Snapshot format version. */
  format: 2;
  /**
   * The server the snapshot was read from. Not part of the state: snapshotHash leaves it out, so
   * two states on one server compare by their content alone. Attributes differ between majors,
   * so snapshots are only compared within one.
   */
  postgres?: { major: number; versionNum: number };
  /** Schema objects: path → canonical attributes (plain JSON, stable key order). */
  objects: Record<string, SnapshotObject>;
  /** Per-table data fingerprint: qualified table name → fingerprint. Tracker tables excluded. */
  data: Record<string, DataFingerprint>;
  /** Tracker tables of the runner, by qualified name: their rows, kept apart from the schema. */
  trackers: Record<string, unknown[]>;
}

export interface SnapshotObject {
  kind: ObjectKind;
  [attribute: string]: unknown;
}

/**
 * Every kind of schema object, in the order a reader meets them. A path is `<kind>:<qualified
 * name>`; docs/snapshot.md lists each kind's attributes and catalog source.
 */
export const OBJECT_KINDS = [
  'database',
  'role',
  'schema',
  'extension',
  'default-privileges',
  'table',
  'column',
  'constraint',
  'index',
  'sequence',
  'view',
  'materialized-view',
  'function',
  'procedure',
  'aggregate',
  'trigger',
  'event-trigger',
  'policy',
  'enum',
  'composite',
  'domain',
  'range',
  'collation',
  'statistics',
  'rule',
  'publication',
] as const;

export type ObjectKind = (typeof OBJECT_KINDS)[number];

export interface DataFingerprint {
  rows: number;
  /** Order-independent hash of the rows' text forms. */
  hash: string;
  /**
   * In a difference only: rows of this side with no equal on the other (at most a few, as
   * compared: a value compared by shape reads `"(any)"`, a renumbered one `"#n"`).
   */
  unmatched?: unknown[];
  /** In a difference only: how many rows of this side have no equal on the other. */
  unmatchedRows?: number;
}

/** One difference between two snapshots: `expected` is the reference state, `found` the other. */
export interface Difference {
  /** The object's path, e.g. `constraint:public.users.users_email_key` or `data:public.seeds`. */
  path: string;
  change: 'added' | 'missing' | 'changed';
  expected?: unknown;
  found?: unknown;
}

/** The table (`schema.name`) a difference at a `data:` path is about. */
export function tableOf(d: { path: string }): string {
  return d.path.slice('data:'.length);
}
