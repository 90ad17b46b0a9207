import type { Node } from 'libpg-query';
import { evaluateCondition } from './guards.js';
import type { DoBody, InnerStatement, PlStep } from './plpgsql.js';
import type { Origin, SchemaState } from './state.js';

/**
 * Applies one parse tree to the state (apply.ts's applyNode). Passed in: applying a DO block walks
 * its body, and walking applies the body's statements, so the two modules would import each other.
 */
export type ApplyNode = (state: SchemaState, node: Node, origin: Origin) => void;

/** What a visitor of a DO block's statements learns about each one before it runs. */
export interface Visit {
  statement: InnerStatement;
  /** The state just before it. */
  state: SchemaState;
  /** It runs whenever the block runs: no loop, CASE or IF whose condition the model cannot decide. */
  certain: boolean;
  /** An EXCEPTION clause around it catches its error (and undoes its block's work). */
  handled: boolean;
}

interface Mode {
  apply: ApplyNode;
  certain: boolean;
  handled: boolean;
  visit: ((visit: Visit) => void) | undefined;
}

/**
 * Runs a DO block's body on the model: statements that surely run are applied; IF branches are
 * chosen by evaluating their guard on the model; what may or may not run (a loop, a branch whose
 * guard it cannot decide, a block an EXCEPTION clause may undo) is applied to a fork of the state, and
 * what the fork changed becomes unknown. `visit` sees each statement with the state before it.
 */
export function walkDo(state: SchemaState, body: DoBody, origin: Origin, apply: ApplyNode, visit?: (visit: Visit) => void): void {
  walkList(body.steps, state, origin, { apply, certain: true, handled: false, visit });
}

/** Returns false when a RETURN or RAISE EXCEPTION ended the block. */
function walkList(steps: PlStep[], state: SchemaState, origin: Origin, mode: Mode): boolean {
  for (const step of steps) {
    switch (step.type) {
      case 'sql': {
        mode.visit?.({ statement: step.statement, state, certain: mode.certain, handled: mode.handled });
        const at = { ...origin, step: step.statement.index, line: step.statement.line };
        if (step.statement.node) mode.apply(state, step.statement.node, at);
        else forgetWords(state, step.statement.sql);
        break;
      }
      case 'if': {
        for (const [i, branch] of step.branches.entries()) {
          const holds = branch.condition === undefined ? true : evaluateCondition(branch.condition, state);
          if (holds === false) continue;
          if (holds === true) {
            if (!walkList(branch.body, state, origin, mode)) return false;
            break;
          }
          // Undecided: this branch or any later one may run.
          for (const other of step.branches.slice(i)) maybe(state, (copy) => walkList(other.body, copy, origin, { ...mode, certain: false }));
          break;
        }
        break;
      }
      case 'maybe':
        maybe(state, (copy) => walkList(step.body, copy, origin, { ...mode, certain: false }));
        break;
      case 'block':
        if (step.handled) maybe(state, (copy) => walkList(step.body, copy, origin, { ...mode, handled: true }));
        else if (!walkList(step.body, state, origin, mode)) return false;
        break;
      case 'dynamic':
        forgetWords(state, step.text);
        break;
      case 'stop':
        return false;
    }
  }
  return true;
}

function maybe(state: SchemaState, run: (fork: SchemaState) => unknown): void {
  const fork = state.fork();
  run(fork);
  state.mergeMaybe(fork);
}

/**
 * Text the model cannot read (a dynamic EXECUTE, a body that does not parse): every table, type
 * or function it names is unknown from here on.
 */
export function forgetWords(state: SchemaState, text: string): void {
  const words = new Set((text.toLowerCase().match(/[a-z_][\w$]*(\.[a-z_][\w$]*)?/g) ?? []).map((w) => (w.includes('.') ? w : `public.${w}`)));
  for (const [key] of [...state.objects()]) {
    const name = key.slice(key.indexOf(':') + 1);
    if (words.has(name)) state.forget(key);
  }
}
