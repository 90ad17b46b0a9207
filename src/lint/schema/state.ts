import type { LintStatement } from '../types.js';

/**
 * What the set's own statements say the database holds at one point of a run: which objects
 * exist, and for tables their columns, keys and other parts. It knows only what the parser
 * shows; what it cannot tell (a statement that does not parse, a DO block's branch whose guard it
 * cannot evaluate) is `unknown`, and rules say nothing about it.
 */

/** What a column gets when an INSERT leaves it out. */
export type ColumnFill = 'constant' | 'volatile' | 'null';

/** Which run made an object: the first run, or the run that runs the statements again. */
export type Run = 1 | 2;

export interface UniqueKey {
  /** The constraint's or index's name (PostgreSQL's default name when the SQL gives none). */
  name: string;
  /** The key's columns, or null when it has expressions. */
  columns: string[] | null;
  partial: boolean;
  /** The statement that made it. */
  by: LintStatement;
}

export interface RemovedKey {
  key: UniqueKey;
  by: LintStatement;
}

/** A column renamed away or dropped, and by which statement. */
export interface ColumnRemoval {
  column: string;
  /** The new name, for a rename. */
  to?: string;
  by: LintStatement;
  /** For a statement inside a DO block: its position among the block's statements, and its line. */
  step?: number;
  line?: number;
}

export interface Constraint {
  /** PostgreSQL's contype without prefix: PRIMARY, UNIQUE, CHECK, FOREIGN, EXCLUSION. */
  type: string;
  /** The columns it is on (a CHECK: those its expression names), when known. */
  columns?: string[];
  /** For a foreign key: the referenced table's key. */
  references?: string;
}

export interface TableShape {
  columns: Map<string, ColumnFill>;
  /** Each column's type, as an object key (`type:schema.name`). */
  columnTypes: Map<string, string>;
  keys: UniqueKey[];
  /** An exclusion constraint: ON CONFLICT DO NOTHING without a target can use it. */
  exclusion: boolean;
  /** Columns, keys and parts this model cannot see (inherited, LIKE, touched by unread code). */
  opaque: boolean;
  constraints: Map<string, Constraint>;
  /** Trigger name → the function key it executes. */
  triggers: Map<string, string | undefined>;
  policies: Set<string>;
  rules: Set<string>;
  removals: ColumnRemoval[];
  removedKeys: RemovedKey[];
  /** The statement that created it, and in which run. */
  by: LintStatement;
  run: Run;
  /** Made by CREATE TABLE … AS / SELECT INTO: its rows come from a query, not from the set or the application. */
  derived: boolean;
}

export type Presence = 'present' | 'absent' | 'unknown';

/** An object other than a table's parts: relation, type, function, schema, extension. Replaced, never changed. */
export interface ObjectEntry {
  presence: Presence;
  run: Run;
  by?: LintStatement;
  /** For relations: table, view, matview, sequence, index, foreign, composite. */
  kind?: string;
  /** For an index or an owned sequence: the table's key. */
  table?: string;
  /** For a view: the relation keys its query reads. */
  uses?: string[];
  /** For an enum: its labels; null when unknown. */
  labels?: string[] | null;
  /** For a function: its signatures (argument type names); null when unknown. */
  signatures?: string[] | null;
}

export function relationKey(schema: string | undefined, name: string): string {
  return `relation:${schema ?? 'public'}.${name}`;
}

export function typeKey(schema: string | undefined, name: string): string {
  return `type:${schema ?? 'public'}.${name}`;
}

export function functionKey(schema: string | undefined, name: string): string {
  return `function:${schema ?? 'public'}.${name}`;
}

/** `relation:public.t` → `public.t`: the table keys of `tables` and of the rules. */
export function bareName(key: string): string {
  return key.slice(key.indexOf(':') + 1);
}

function cloneShape(shape: TableShape): TableShape {
  return {
    ...shape,
    columns: new Map(shape.columns),
    columnTypes: new Map(shape.columnTypes),
    keys: [...shape.keys],
    constraints: new Map(shape.constraints),
    triggers: new Map(shape.triggers),
    policies: new Set(shape.policies),
    rules: new Set(shape.rules),
    removals: [...shape.removals],
    removedKeys: [...shape.removedKeys],
  };
}

export function emptyShape(by: LintStatement, run: Run): TableShape {
  return {
    columns: new Map(),
    columnTypes: new Map(),
    keys: [],
    exclusion: false,
    opaque: false,
    constraints: new Map(),
    triggers: new Map(),
    policies: new Set(),
    rules: new Set(),
    removals: [],
    removedKeys: [],
    by,
    run,
    derived: false,
  };
}

/** What a table holds, comparable: two copies of one shape that no statement changed are equal. */
function signature(shape: TableShape): string {
  return JSON.stringify([
    [...shape.columns],
    [...shape.columnTypes],
    shape.keys.map((k) => [k.name, k.columns, k.partial]),
    shape.exclusion,
    shape.opaque,
    [...shape.constraints],
    [...shape.triggers],
    [...shape.policies],
    [...shape.rules],
    shape.removals.length,
    shape.run,
  ]);
}

/**
 * The state. Copies are cheap: tables are shared between copies and copied on their first change
 * (`writable`), object entries are replaced, never changed.
 */
export class SchemaState {
  /** Present tables by `schema.name`. */
  readonly #tables: Map<string, TableShape>;
  readonly #objects: Map<string, ObjectEntry>;
  /** Tables this state may change in place: made or copied since the last copy. */
  #owned = new Set<TableShape>();
  /** After a statement nobody could read: an object the state has no entry for may exist. */
  #unknownRest: boolean;

  constructor(tables = new Map<string, TableShape>(), objects = new Map<string, ObjectEntry>(), unknownRest = false) {
    this.#tables = tables;
    this.#objects = objects;
    this.#unknownRest = unknownRest;
  }

  copy(): SchemaState {
    this.#owned = new Set(); // the copy shares every table: neither may change one in place now
    return new SchemaState(new Map(this.#tables), new Map(this.#objects), this.#unknownRest);
  }

  // -- reading

  presence(key: string): Presence {
    return this.#objects.get(key)?.presence ?? (this.#unknownRest ? 'unknown' : 'absent');
  }

  /**
   * Whether a statement of the set removed the object (or moved it away) and nothing made it
   * again. An object the set never named is not gone: it may exist outside the set.
   */
  gone(key: string): boolean {
    return this.#objects.get(key)?.presence === 'absent';
  }

  entry(key: string): ObjectEntry | undefined {
    return this.#objects.get(key);
  }

  /** A present table, by `schema.name`. */
  table(name: string): TableShape | undefined {
    return this.#tables.get(name);
  }

  tables(): IterableIterator<[string, TableShape]> {
    return this.#tables.entries();
  }

  objects(): IterableIterator<[string, ObjectEntry]> {
    return this.#objects.entries();
  }

  /** Whether the object exists and this run made it: it holds nothing from an earlier run. */
  fresh(key: string): boolean {
    const entry = this.#objects.get(key);
    return entry?.presence === 'present' && entry.run === 2;
  }

  get unknownRest(): boolean {
    return this.#unknownRest;
  }

  // -- changing

  set(key: string, entry: ObjectEntry): void {
    this.#objects.set(key, entry);
    if (entry.presence !== 'present' && key.startsWith('relation:')) this.#tables.delete(bareName(key));
  }

  /** Makes a table present with `shape` (its relation entry too). */
  putTable(name: string, shape: TableShape, kind = 'table'): void {
    this.#tables.set(name, shape);
    this.#owned.add(shape);
    this.#objects.set(`relation:${name}`, { presence: 'present', run: shape.run, by: shape.by, kind });
  }

  /** The table, safe to change in place (copied first if another state shares it). */
  writable(name: string): TableShape | undefined {
    const shape = this.#tables.get(name);
    if (!shape || this.#owned.has(shape)) return shape;
    const copy = cloneShape(shape);
    this.#tables.set(name, copy);
    this.#owned.add(copy);
    return copy;
  }

  /** Moves a table (and its entry) to another name. */
  moveTable(from: string, to: string): void {
    const shape = this.#tables.get(from);
    const entry = this.#objects.get(`relation:${from}`);
    this.#tables.delete(from);
    this.#objects.set(`relation:${from}`, { presence: 'absent', run: entry?.run ?? 1 });
    if (shape) this.#tables.set(to, shape);
    if (entry) this.#objects.set(`relation:${to}`, entry);
  }

  /** Nothing can be said about this object any more. */
  forget(key: string): void {
    this.#objects.set(key, { presence: 'unknown', run: 1 });
    if (key.startsWith('relation:')) this.#tables.delete(bareName(key));
  }

  /** The table's content is unknown from here on (it still exists). */
  blur(name: string): void {
    const shape = this.writable(name);
    if (shape) shape.opaque = true;
  }

  /** After a statement nobody could read: anything may have changed. */
  forgetAll(): void {
    // Tables keep a (blurred) shape for the rules that read keys; whether they exist is unknown.
    for (const name of this.#tables.keys()) this.blur(name);
    for (const [key, entry] of this.#objects) this.#objects.set(key, { ...entry, presence: 'unknown', run: 1 });
    this.#unknownRest = true;
  }

  /**
   * Merges the state `other` that a statement which may or may not run left: what differs
   * between the two is unknown afterwards.
   */
  mergeMaybe(other: SchemaState): void {
    const keys = new Set([...this.#objects.keys(), ...other.#objects.keys()]);
    for (const key of keys) {
      if (this.#objects.get(key) !== other.#objects.get(key)) this.forget(key);
    }
    for (const [name, shape] of this.#tables) {
      const theirs = other.#tables.get(name);
      if (theirs !== shape && (!theirs || signature(theirs) !== signature(shape))) this.blur(name);
    }
    if (other.#unknownRest) this.#unknownRest = true;
  }
}
