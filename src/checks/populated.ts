import fc from 'fast-check';
import { dataArbitrary } from '../data/arbitraries.js';
import { readShapes } from '../data/catalog.js';
import { appliedSet, skipReason } from './applies.js';
import { explore } from './explore.js';
import { Baselines, runCase } from './populated/case.js';
import { DATA_RUNS, DEFAULT_ROWS, EXHAUSTIVE_DATA_RUNS, type CaseSetup, type CaseStart } from './populated/types.js';
import { boundaries } from './populated/boundaries.js';
import type { Check, CheckContext, Finding } from './types.js';

/** A boundary with what its cases share: its state, its tables, their arbitrary. */
type Prepared = CaseStart;

/**
 * Generated rows at a boundary of the first run, then the rest of the set as the runner runs it:
 * no error. Where the runner runs files again (every run of a runner without a tracker; the file a
 * crash left unrecorded), a further run on the populated database changes none of its rows. A
 * failure shrinks to the few rows that cause it, printed as INSERT statements.
 */
export const populated: Check = {
  name: 'populated',
  summary: 'with generated rows at any boundary, the rest of the set applies, and a run again changes no row',
  async run(context) {
    await appliedSet(context);
    const { states } = context;
    // A runner that never runs a file twice has only the upgrade to test; one that runs every file
    // on every run (twice applies) has the run again too.
    const rerunAll = skipReason('twice', context.model, states.plan) === undefined;
    const all = boundaries(states.plan, rerunAll);
    if (all.length === 0) {
      return { status: 'skip', cases: 0, findings: [], reason: 'the plan has no boundary after a migration to put rows at' };
    }
    const rows = context.options.rows ?? DEFAULT_ROWS;
    const seed = context.options.seed ?? Math.floor(Math.random() * 2 ** 31);
    // A lost ack matters where a retry policy does committed work again and no rerun of everything covers it.
    const ackLost = !rerunAll && states.settings.retry !== undefined;
    const setup: CaseSetup = { states, rows, rerunAll, ackLost, baselines: new Baselines(states, rerunAll, ackLost), reproduce: context.reproduce('populated') };
    const prepared = new Map<number, Promise<Prepared>>();
    const prepare = (k: number): Promise<Prepared> => {
      let found = prepared.get(k);
      if (!found) {
        const boundary = all[k]!;
        found = (async () => {
          const state = boundary.block === states.plan.blocks.length ? await states.fresh() : await states.before(boundary.block);
          const shapes = await states.readCopy(state, (client) => readShapes(client, { exclude: states.trackers }));
          return { boundary, state, shapes, arbitrary: dataArbitrary(shapes, { rows }) };
        })();
        prepared.set(k, found);
      }
      return found;
    };
    const evaluate = async (k: number): Promise<Finding | null> => {
      const at = await prepare(k);
      if (at.shapes.tables.length === 0) return null;
      const runs = context.options.exhaustive ? EXHAUSTIVE_DATA_RUNS : DATA_RUNS;
      // Each boundary draws from its own seed, so a case's data does not depend on the cases before it.
      const details = await fc.check(
        fc.asyncProperty(at.arbitrary, async (plan) => (await runCase(setup, at, plan)) === null),
        { seed: (seed + k * 7919) | 0, numRuns: runs },
      );
      if (!details.failed) return null;
      if (!details.counterexample) throw details.errorInstance ?? new Error('check populated: a case could not run');
      const [plan] = details.counterexample;
      const finding = await runCase(setup, at, plan, { report: true });
      if (!finding) throw new Error(`check populated: the shrunk data set at ${at.boundary.label} passed when replayed`);
      return {
        ...finding,
        // The sample's seed and path name the boundary; with --exhaustive the seed alone does.
        reproduce: context.options.exhaustive ? context.reproduce('populated', ['--seed', String(seed)]) : finding.reproduce,
      };
    };
    const seeded: CheckContext = { ...context, options: { ...context.options, seed } };
    const outcome = await explore(seeded, {
      check: 'populated',
      all: all.map((_, k) => k),
      arbitrary: fc.nat(all.length - 1),
      key: String,
      evaluate,
    });
    const unfilled = await unfilledTables(prepared);
    return {
      ...outcome,
      details: { ...outcome.details, rows, seed, ...(unfilled.length > 0 ? { unfilled } : {}) },
    };
  },
};

/** Tables a visited boundary could not fill, each once with its first reason: reported, never skipped silently. */
async function unfilledTables(prepared: Map<number, Promise<Prepared>>): Promise<{ table: string; reason: string }[]> {
  const seen = new Map<string, string>();
  for (const at of prepared.values()) {
    const reached = await at.catch(() => undefined);
    for (const u of reached?.shapes.unfilled ?? []) if (!seen.has(u.table)) seen.set(u.table, u.reason);
  }
  return [...seen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([table, reason]) => ({ table, reason }));
}
