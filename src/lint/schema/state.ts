import type { LintStatement } from '../statement.js';

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

/** Where a change comes from: the statement (for a DO block's own statements, their position), and the run. */
export interface Origin {
  by: LintStatement;
  run: Run;
  step?: number;
  /** For a DO block's own statement: its line in the file. */
  line?: number;
}

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
 * The state. Two ways to copy it:
 * - `copy()`: independent of the original from then on (tables are shared and copied on their
 *   first change, `writable`; object entries are replaced, never changed);
 * - `fork()`: a layer over the original that keeps its own changes, made in constant time; it
 *   reads through to the original, which must not change while the fork is in use (a rule's walk
 *   of a DO block, a branch that may or may not run).
 */
export class SchemaState {
  /** Present tables by `schema.name` (null: removed in this layer). */
  readonly #tables: Map<string, TableShape | null>;
  readonly #objects: Map<string, ObjectEntry>;
  readonly #parent: SchemaState | undefined;
  /** Tables this state may change in place: made or copied since the last copy. */
  #owned = new Set<TableShape>();
  /** After a statement nobody could read: an object the state has no entry for may exist. */
  #unknownRest: boolean;
  /** How many entries are `unknown` (lookups that need to know whether any is). */
  #unknowns: number;

  constructor(tables = new Map<string, TableShape | null>(), objects = new Map<string, ObjectEntry>(), unknownRest = false, parent?: SchemaState, unknowns = 0) {
    this.#tables = tables;
    this.#objects = objects;
    this.#unknownRest = unknownRest;
    this.#parent = parent;
    this.#unknowns = unknowns;
  }

  copy(): SchemaState {
    this.#owned = new Set(); // the copy shares every table: neither may change one in place now
    const tables = new Map<string, TableShape | null>(this.tables());
    return new SchemaState(tables, new Map(this.objects()), this.#unknownRest, undefined, this.#unknowns);
  }

  fork(): SchemaState {
    return new SchemaState(new Map(), new Map(), this.#unknownRest, this, this.#unknowns);
  }

  // -- reading

  entry(key: string): ObjectEntry | undefined {
    return this.#objects.get(key) ?? this.#parent?.entry(key);
  }

  presence(key: string): Presence {
    return this.entry(key)?.presence ?? (this.#unknownRest ? 'unknown' : 'absent');
  }

  /**
   * Whether a statement of the set removed the object (or moved it away) and nothing made it
   * again. An object the set never named is not gone: it may exist outside the set.
   */
  gone(key: string): boolean {
    return this.entry(key)?.presence === 'absent';
  }

  /** A present table, by `schema.name`. */
  table(name: string): TableShape | undefined {
    const local = this.#tables.get(name);
    if (local !== undefined) return local ?? undefined;
    return this.#parent?.table(name);
  }

  *tables(): IterableIterator<[string, TableShape]> {
    for (const [name, shape] of this.#tables) if (shape) yield [name, shape];
    if (this.#parent) for (const [name, shape] of this.#parent.tables()) if (!this.#tables.has(name)) yield [name, shape];
  }

  /** Whether `test` holds for some present table (no generator: guards call it often). */
  someTable(test: (shape: TableShape, name: string) => boolean, skip?: ReadonlySet<string>): boolean {
    for (const [name, shape] of this.#tables) {
      if (shape && !skip?.has(name) && test(shape, name)) return true;
    }
    if (!this.#parent) return false;
    const shadowed = new Set(skip);
    for (const name of this.#tables.keys()) shadowed.add(name);
    return this.#parent.someTable(test, shadowed);
  }

  *objects(): IterableIterator<[string, ObjectEntry]> {
    yield* this.#objects;
    if (this.#parent) for (const [key, entry] of this.#parent.objects()) if (!this.#objects.has(key)) yield [key, entry];
  }

  /** Whether the object exists and this run made it: it holds nothing from an earlier run. */
  fresh(key: string): boolean {
    const entry = this.entry(key);
    return entry?.presence === 'present' && entry.run === 2;
  }

  get unknownRest(): boolean {
    return this.#unknownRest;
  }

  /** Whether any object's existence is unknown (or any may exist that the state never saw). */
  get anyUnknown(): boolean {
    return this.#unknownRest || this.#unknowns > 0;
  }

  // -- changing

  set(key: string, entry: ObjectEntry): void {
    const before = this.entry(key);
    this.#unknowns += (entry.presence === 'unknown' ? 1 : 0) - (before?.presence === 'unknown' ? 1 : 0);
    this.#objects.set(key, entry);
    if (entry.presence !== 'present' && key.startsWith('relation:')) this.#removeTable(bareName(key));
  }

  #removeTable(name: string): void {
    if (this.#parent) this.#tables.set(name, null);
    else this.#tables.delete(name);
  }

  /** Makes a table present with `shape` (its relation entry too). */
  putTable(name: string, shape: TableShape, kind = 'table'): void {
    this.#tables.set(name, shape);
    this.#owned.add(shape);
    this.set(`relation:${name}`, { presence: 'present', run: shape.run, by: shape.by, kind });
  }

  /** The table, safe to change in place (copied first if another state shares it). */
  writable(name: string): TableShape | undefined {
    const shape = this.table(name);
    if (!shape || this.#owned.has(shape)) return shape;
    const copy = cloneShape(shape);
    this.#tables.set(name, copy);
    this.#owned.add(copy);
    return copy;
  }

  /** The table as it is now, kept as it is: later changes of this state copy it first. */
  keep(name: string): TableShape | undefined {
    const shape = this.table(name);
    if (shape) this.#owned.delete(shape);
    return shape;
  }

  /** Moves a table (and its entry) to another name. */
  moveTable(from: string, to: string): void {
    const shape = this.table(from);
    const entry = this.entry(`relation:${from}`);
    this.set(`relation:${from}`, { presence: 'absent', run: entry?.run ?? 1 });
    if (shape) this.#tables.set(to, shape);
    if (entry) this.set(`relation:${to}`, entry);
  }

  /** Nothing can be said about this object any more. */
  forget(key: string): void {
    this.set(key, { presence: 'unknown', run: 1 });
  }

  /** The table's content is unknown from here on (it still exists). */
  blur(name: string): void {
    const shape = this.table(name);
    if (shape && !shape.opaque) this.writable(name)!.opaque = true;
  }

  /** After a statement nobody could read: anything may have changed. */
  forgetAll(): void {
    // Tables keep a (blurred) shape for the rules that read keys; whether they exist is unknown.
    for (const [name] of [...this.tables()]) this.blur(name);
    for (const [key, entry] of [...this.objects()]) {
      if (entry.presence !== 'unknown') this.#unknowns++;
      this.#objects.set(key, { ...entry, presence: 'unknown', run: 1 });
    }
    this.#unknownRest = true;
  }

  /**
   * Merges `other`, a fork of this state that a statement which may or may not run changed: what
   * differs between the two is unknown afterwards.
   */
  mergeMaybe(other: SchemaState): void {
    if (other.#parent !== this) throw new Error('mergeMaybe: not a fork of this state');
    for (const [key, entry] of other.#objects) if (this.entry(key) !== entry) this.forget(key);
    for (const [name, theirs] of other.#tables) {
      const mine = this.table(name);
      if (mine && theirs !== mine && (!theirs || signature(theirs) !== signature(mine))) this.blur(name);
    }
    if (other.#unknownRest) this.#unknownRest = true;
  }
}
