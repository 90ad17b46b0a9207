import type { DataPlan } from '../../data/types.js';
import type { State, States } from '../states.js';
import type { Finding } from '../types.js';
import { ackLostCase, ackLostBaseline } from './ack-lost.js';
import { changeFinding, upgradeFinding } from './findings.js';
import { putRows, runAgain } from './steps.js';
import { atTheLimits, failedTrace } from './verdict.js';
import { tableOf, type Accepted, type Baseline, type BaselineSource, type CaseSetup, type CaseStart } from './types.js';

export class Baselines implements BaselineSource {
  readonly #found = new Map<number, Promise<Baseline>>();

  constructor(
    private readonly states: States,
    private readonly rerunAll: boolean,
    private readonly ackLost: boolean,
  ) {}

  of(start: CaseStart): Promise<Baseline> {
    let found = this.#found.get(start.boundary.block);
    if (!found) {
      found = this.measure(start.state, start.boundary.block);
      this.#found.set(start.boundary.block, found);
    }
    return found;
  }

  private async measure(state: State, block: number): Promise<Baseline> {
    const db = await this.states.copy(state);
    try {
      const none = { upgradeFails: false, againFails: false, changed: new Set<string>(), ackLostFails: false, ackLostChanged: new Set<string>() };
      const upgrade = await this.states.run(db);
      if (!upgrade.ok) return { ...none, upgradeFails: true, againFails: true, ackLostFails: true };
      const ackLost = this.ackLost ? await ackLostBaseline(this.states, state, block, db) : {};
      if (!this.rerunAll) return { ...none, ...ackLost };
      const again = await runAgain(db, this.states.trackers, (on) => this.states.run(on));
      if (again.fails) return { ...none, ...ackLost, againFails: true };
      return { ...none, ...ackLost, changed: new Set(again.changed.map(tableOf)) };
    } finally {
      await this.states.drop(db);
    }
  }
}

/**
 * One case: the rows of `plan` put into a copy of the boundary's state, then the rest of the set,
 * then (rerunAll) a run again. Returns a finding, or null when the property holds. With `report`,
 * the finding also gets the rows as INSERT statements and, for a changed table, the rows that
 * changed and the statement that wrote them (about two more runs: asked for the reported case only).
 */
export async function runCase(setup: CaseSetup, start: CaseStart, plan: DataPlan, options: { report?: boolean } = {}): Promise<Finding | null> {
  const { states } = setup;
  const baseline = await setup.baselines.of(start);
  const db = await states.copy(start.state);
  try {
    const accepted = await putRows(db, start.shapes, plan);
    // Rows the server refused are no rows: a case with none tests nothing the other checks do not.
    if (accepted.rows === 0) return null;
    // The lost ack's run starts from the same rows: a copy of this database before its upgrade.
    const ackLost = setup.ackLost && start.boundary.block < states.plan.blocks.length ? await states.copyDatabase(db) : undefined;
    try {
      const upgrade = await states.run(db);
      if (!upgrade.ok) return baseline.upgradeFails || atTheLimits(failedTrace(upgrade)) ? null : upgradeFinding(setup, start, plan, upgrade, accepted, options.report);
      const found = ackLost ? await ackLostCase(setup, start, plan, accepted, baseline, ackLost, db, options.report) : null;
      if (found) return found;
    } finally {
      if (ackLost) await states.drop(ackLost);
    }
    if (!setup.rerunAll) return null;
    const kept = options.report ? await states.copyDatabase(db) : undefined;
    try {
      const again = await runAgain(db, states.trackers, (on) => states.run(on));
      if (again.fails) return baseline.againFails || atTheLimits(failedTrace(again.run)) ? null : upgradeFinding(setup, start, plan, again.run, accepted, options.report, 'the run after it');
      const changed = again.changed.filter((d) => !baseline.changed.has(tableOf(d)));
      if (changed.length === 0) return null;
      return await changeFinding(setup, start, plan, accepted, db, kept, changed);
    } finally {
      if (kept) await states.drop(kept);
    }
  } finally {
    await states.drop(db);
  }
}
