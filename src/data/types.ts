import type { CheckRule } from './checks.js';

/** A value in a generated row: a literal the server parses (text form, or null), or a reference to a parent row. */
export type Cell = string | null | Ref;

/**
 * A reference to a row of a parent table: `parent` is an index in DataPlan.tables (and
 * Shapes.tables), `row` an index into the rows that parent really got, taken modulo their count.
 * A reference to a parent that got no row at all becomes NULL where the foreign key is nullable;
 * otherwise the child row is not sent (counted in Inserted.wanted, with the reason).
 */
export interface Ref {
  parent: number;
  row: number;
}

export interface TableData {
  schema: string;
  name: string;
  /** The columns written; the others are left to their defaults, identity or generation. */
  columns: string[];
  rows: Cell[][];
}

/** Rows for every fillable table, in the order of Shapes.tables: parents before children. */
export interface DataPlan {
  tables: TableData[];
}

/** A table left out, and why. */
export interface Unfilled {
  /** `schema.name` */
  table: string;
  reason: string;
}

/** What a value of a column is generated from: the column's type, domains resolved to their base. */
export type ValueKind =
  | { kind: 'int'; bits: 16 | 32 | 64 }
  | { kind: 'numeric'; precision?: number; scale?: number }
  | { kind: 'float'; bits: 32 | 64 }
  | { kind: 'text'; max?: number }
  | { kind: 'bool' }
  | { kind: 'date' }
  | { kind: 'time'; tz: boolean }
  | { kind: 'timestamp'; tz: boolean }
  | { kind: 'interval' }
  | { kind: 'uuid' }
  | { kind: 'json' }
  | { kind: 'bytea' }
  | { kind: 'enum'; labels: string[] }
  | { kind: 'inet' }
  | { kind: 'cidr' }
  | { kind: 'range'; of: 'int' | 'numeric' | 'date' | 'timestamp' | 'timestamptz' }
  | { kind: 'array'; of: ValueKind };

export interface ColumnShape {
  name: string;
  /** format_type of the column, e.g. `character varying(32)`, `sales.money_amount`. */
  type: string;
  /** How values are generated; absent: no arbitrary for this type. */
  value?: ValueKind;
  /** NOT NULL on the column or on its domain. */
  notNull: boolean;
  /** A default on the column or its domain. */
  hasDefault: boolean;
  /** Why the server fills it and the generator leaves it: identity, serial, generated. */
  serverMade?: 'identity always' | 'identity by default' | 'serial' | 'generated';
  /** Written by the generator (false: left to the server, its default, or NULL). */
  written: boolean;
}

export interface ForeignKeyShape {
  name: string;
  columns: string[];
  /** Index of the parent in Shapes.tables; the table itself for a self-reference. */
  parent: number;
  parentColumns: string[];
  /** Every column of the key is nullable: a row may leave it NULL (MATCH SIMPLE). */
  nullable: boolean;
  /**
   * Always NULL: the edge broken to order a cycle of foreign keys, or a parent that cannot be
   * filled. The reason says which.
   */
  alwaysNull?: string;
}

export interface TableShape {
  schema: string;
  name: string;
  owner: string;
  /** Row-level security enabled (and forced) on the table. */
  rowSecurity: boolean;
  forceRowSecurity: boolean;
  /** The reading role may SET ROLE to the owner. */
  ownerMember: boolean;
  partitioned: boolean;
  columns: ColumnShape[];
  /** Column lists that must be unique: primary key, unique constraints, plain unique indexes. */
  keys: string[][];
  foreignKeys: ForeignKeyShape[];
  /** What the simplest CHECKs (the table's and its columns' domains') state, to generate rows they accept. */
  checks: CheckRule[];
  /** Columns some child's foreign key references: read back with RETURNING. */
  referenced: string[];
}

/** What readShapes read: the fillable tables in insertion order, and the tables left out. */
export interface Shapes {
  tables: TableShape[];
  /** Tables that cannot be generated, and why (a NOT NULL column of a type with no arbitrary and no default, …). */
  unfilled: Unfilled[];
  /** Tables deliberately not filled: partitions (filled through their parent), foreign tables, extensions' and trackers' tables. */
  skipped: Unfilled[];
  /** The reading role bypasses row-level security (superuser or BYPASSRLS). */
  bypassRowSecurity: boolean;
  /** The reading role is a superuser: it writes as itself (it bypasses row-level security and privileges). */
  superuser: boolean;
  /** The reading role, to return to after writing as a table's owner. */
  user: string;
}

export interface Inserted {
  /** `schema.name` */
  table: string;
  /** Rows the server accepted. */
  rows: number;
  /** Rows the plan had for the table. */
  wanted: number;
  /** Why fewer: the first refusal's SQLSTATE and message, or a missing parent. */
  reason?: string;
  /** Per row of the plan: the literals sent (references resolved), or null for a row not sent. */
  sent: ((string | null)[] | null)[];
  /** Per row of the plan: did the server keep it. */
  accepted: boolean[];
  /** Per row of the plan: the values of TableShape.referenced the server returned for it (its keys children point to). */
  keys?: ((string | null)[] | null)[];
}

/** One table's outcome in a populate report: the rows themselves are left out (they are the database's now). */
export type Filled = Omit<Inserted, 'sent' | 'accepted' | 'keys'>;

export interface PopulateReport {
  seed: number;
  /** Rows inserted in all tables. */
  rows: number;
  tables: Filled[];
  unfilled: Unfilled[];
  skipped: Unfilled[];
  ms: number;
}
