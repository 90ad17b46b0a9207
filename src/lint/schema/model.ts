import type { Node } from 'libpg-query';
import type { Statement } from '../../migrations/types.js';
import type { LintStatement } from '../statement.js';
import { applyNode, applyStatement, SCHEMA_KINDS } from './apply.js';
import { readDo, type DoBody } from './plpgsql.js';
import { SchemaState, type Run, type TableShape } from './state.js';
import { as, tableKey } from '../ast.js';
import type { RangeVar } from 'libpg-query';
import { walkDo, type Visit } from './walk.js';

/**
 * The schema as each run finds it, statement by statement. Rules ask for the state the run that
 * runs a statement again finds just before it:
 * - a runner with no tracker (every start runs every file): the state after the whole set, then
 *   files 1..k-1 again, then file k's statements before this one;
 * - a statement that can run again after a partial apply of its migration: the state the first
 *   run left when it stopped (just after the statement's own transaction committed, or after the
 *   last statement of the migration that can commit before the migration is recorded), then the
 *   migration's statements from its first one, up to this one. Later migrations never ran.
 * Pure: no server, no files. A state it returns is valid until the next call for another statement.
 */
export interface SchemaModel {
  /** The state the first run finds just before `target` (a run of its own: prefer firstTable). */
  first(target: LintStatement): SchemaState;
  /** The table an INSERT names, as the first run finds it just before the INSERT. */
  firstTable(target: LintStatement, name: string): TableShape | undefined;
  /** The states a run that runs `target` again may find just before it; none when it cannot run again. */
  again(target: LintStatement): SchemaState[];
  /** The state the whole set leaves. */
  atEnd(): SchemaState;
  /**
   * Walks `target`'s DO block on a fork of `state` (which must not change meanwhile), showing
   * `visit` each statement it runs and the names the block declares; false when it cannot be read.
   */
  walkDo(target: LintStatement, state: SchemaState, visit: (visit: Visit, variables: ReadonlySet<string>) => void): boolean;
  /** The body of `target`'s DO block as read once, or undefined when it cannot be read. */
  doBody(target: LintStatement): DoBody | undefined;
}

/**
 * A run over the statements, applied one after another. Rules ask in plan order, so it only moves
 * forward; going back (never needed by the rules) starts over.
 */
class Cursor {
  #state: SchemaState;
  #at = 0;

  constructor(
    private readonly statements: LintStatement[],
    private readonly run: Run,
    private readonly start: () => SchemaState,
    private readonly apply: (state: SchemaState, s: LintStatement, run: Run) => void,
  ) {
    this.#state = start();
  }

  /** The state just before statement `order` (statements.length: after the last). */
  before(order: number): SchemaState {
    if (order < this.#at) {
      this.#state = this.start();
      this.#at = 0;
    }
    while (this.#at < order) this.apply(this.#state, this.statements[this.#at++]!, this.run);
    return this.#state;
  }
}

export function buildSchema(statements: LintStatement[], ast: (statement: Statement) => Node | undefined): SchemaModel {
  // The table each INSERT names, as the first run finds it: kept while a first run passes by.
  const inserted = new Map<LintStatement, TableShape | undefined>();
  const apply = (state: SchemaState, s: LintStatement, run: Run): void => {
    const kind = s.statement.kind;
    if (run === 1 && kind === 'InsertStmt' && !inserted.has(s)) {
      const name = tableKey(as<{ relation?: RangeVar }>(ast(s.statement), 'InsertStmt')?.relation);
      inserted.set(s, name && state.presence(`relation:${name}`) === 'present' ? state.keep(name) : undefined);
    }
    applyStatement(state, s, SCHEMA_KINDS.has(kind) ? ast(s.statement) : undefined, run);
  };
  const empty = (): SchemaState => new SchemaState();
  const firstRun = new Cursor(statements, 1, empty, apply);
  // Where a partial first run stopped: always at or after the statement asked about.
  const ahead = new Cursor(statements, 1, empty, apply);
  let end: SchemaState | undefined;
  const atEnd = (): SchemaState => (end ??= new Cursor(statements, 1, empty, apply).before(statements.length));
  let secondRun: Cursor | undefined;
  let cached: { target: LintStatement; states: SchemaState[] } | undefined;
  const byMigration = new Map<LintStatement['migration'], LintStatement[]>();
  for (const s of statements) {
    const list = byMigration.get(s.migration) ?? [];
    list.push(s);
    byMigration.set(s.migration, list);
  }

  // Where a partial first run of one migration may have stopped, each kept once (the cursor only
  // moves forward): the end of each transaction of a re-runnable statement, and the last one.
  let stopped: { migration: LintStatement['migration']; states: Map<LintStatement, SchemaState> } | undefined;
  const stopsOf = (target: LintStatement): { own: LintStatement; last: LintStatement } => {
    const mine = byMigration.get(target.migration) ?? [target];
    const again = mine.filter((s) => s.rerun);
    return { own: mine.filter((s) => s.transaction === target.transaction).pop() ?? target, last: again[again.length - 1] ?? target };
  };
  const partial = (target: LintStatement): SchemaState[] => {
    const mine = byMigration.get(target.migration) ?? [target];
    if (stopped?.migration !== target.migration) {
      const stops = new Set<LintStatement>();
      for (const s of mine) {
        if (!s.rerun) continue;
        const { own, last } = stopsOf(s);
        stops.add(own).add(last);
      }
      const states = new Map<LintStatement, SchemaState>();
      for (const stop of [...stops].sort((a, b) => a.order - b.order)) states.set(stop, ahead.before(stop.order + 1).copy());
      stopped = { migration: target.migration, states };
    }
    const { own, last } = stopsOf(target);
    return [...new Set([own, last])].map((stop) => {
      const state = stopped!.states.get(stop)!.copy();
      for (const s of mine) {
        if (s.order >= target.order) break;
        apply(state, s, 2);
      }
      return state;
    });
  };

  return {
    first: (target) => firstRun.before(target.order),
    firstTable(target, name) {
      if (!inserted.has(target)) {
        if (target.rerun === 'every-run') atEnd();
        else ahead.before(target.order + 1);
      }
      const shape = inserted.get(target);
      return shape && name === tableKey(as<{ relation?: RangeVar }>(ast(target.statement), 'InsertStmt')?.relation) ? shape : undefined;
    },
    again(target) {
      if (!target.rerun) return [];
      if (target.rerun === 'every-run') {
        secondRun ??= new Cursor(statements, 2, () => atEnd().copy(), apply);
        return [secondRun.before(target.order)];
      }
      if (cached?.target !== target) cached = { target, states: partial(target) };
      return cached.states;
    },
    atEnd,
    doBody: (target) => (target.statement.kind === 'DoStmt' ? readDo(target, ast(target.statement)) : undefined),
    walkDo(target, state, visit) {
      const body = readDo(target, ast(target.statement));
      if (!body) return false;
      walkDo(state.fork(), body, { by: target, run: 2 }, applyNode, (v) => visit(v, body.variables));
      return true;
    },
  };
}
