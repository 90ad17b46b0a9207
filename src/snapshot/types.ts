/**
 * The canonical description of a database state. Every object is keyed by its qualified path
 * (`table:public.users`, `constraint:public.users.users_email_key`, …); no OIDs, no attnums.
 */
export interface Snapshot {
  /** Snapshot format version. */
  format: 1;
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

export type ObjectKind =
  | 'schema'
  | 'table'
  | 'column'
  | 'constraint'
  | 'index'
  | 'sequence'
  | 'view'
  | 'function'
  | 'trigger'
  | 'enum';

export interface DataFingerprint {
  rows: number;
  /** Order-independent hash of the rows' text forms. */
  hash: string;
}

/** One difference between two snapshots: `expected` is the reference state, `found` the other. */
export interface Difference {
  /** The object's path, e.g. `constraint:public.users.users_email_key` or `data:public.seeds`. */
  path: string;
  change: 'added' | 'missing' | 'changed';
  expected?: unknown;
  found?: unknown;
}
