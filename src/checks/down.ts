import type { InputError, Migration } from '../migrations/types.js';
import type pg from 'pg';
import type { DatabaseHandle } from '../postgres/types.js';
import type { State } from './states.js';
import type { StateHash } from '../snapshot/hash.js';
import type { Anchor, StateMark } from '../snapshot/mark.js';
import type { DownTrace } from '../runners/down.js';
import { appliedSet } from './applies.js';
import { rawDigestsKept } from './down-proof.js';
import { compareStates } from './compare.js';
import { errorFinding, placelessFinding, stateFinding } from './findings.js';
import { pathIn } from './paths.js';
import { prefixFails, Prefixes } from './prefixes.js';
import type { Check, CheckContext, Finding } from './types.js';

/**
 * From the state after all ups, the tool's one-step rollback undoes one migration at a time,
 * newest first. After undoing migration k the database (schema, data, tracker) must be the state
 * migrations 1..k-1 reach by ups alone, and applying k again must reach the state k reached.
 * A step that fails or leaves another state continues from the state before it, so that every
 * finding is about one down section.
 */
export const down: Check = {
  name: 'down',
  summary: "each migration's down section undoes its up, and the up runs again after it",
  async run(context) {
    const { model, states } = context;
    if (!model.down) {
      return { status: 'skip', cases: 0, findings: [], reason: `${model.name} has no down migrations: nothing to undo` };
    }
    const references = new Prefixes(states, model, context.set, states.settings.runnerOptions);
    const reproduce = context.reproduce('down');
    const migrations = context.set.migrations;
    // The steps are cut into ranges walked at once, each on a database of its own brought up to
    // its range's top; the findings are gathered by step, so neither they nor their order depend
    // on how many walks there were.
    const ranges = walkRanges(migrations.length, Math.ceil((await states.jobs()) / 2));
    const byStep: Finding[][] = [];
    let done = 0;
    const walks: Walk[] = [];
    try {
      // Which states keep their raw digest is read once from the set's ups, for every walk.
      const rawKept = rawDigestsKept(migrations.map((m) => m.up));
      const opened = await Promise.allSettled(ranges.map(([low, high]) => Walk.up(references, rawKept, high, low)));
      for (const outcome of opened) if (outcome.status === 'fulfilled') walks.push(outcome.value);
      const failed = opened.find((outcome) => outcome.status === 'rejected');
      if (failed) {
        // A set that does not apply cannot be stepped down: the fresh run says where (runChecks
        // reports the check as unable to run). The walk up is that run, one file at a time.
        await appliedSet(context);
        throw failed.reason;
      }
      await Promise.all(
        walks.map(async (walk, i) => {
          const [low, high] = ranges[i]!;
          for (let k = high; k > low; k--) {
            const migration = migrations[k - 1]!;
            const invalid = migration.down?.invalid;
            if (invalid) {
              // The server would refuse the section's text as the parser does (42601): the step fails.
              byStep[k] = [invalidFinding(migration, invalid, reproduce)];
              await walk.reset(k - 1);
            } else {
              const step = await states.stepDown(walk.db);
              const own = await judgeStep(context, references, walk, k, migration, step, reproduce);
              byStep[k] = own.findings;
              if (own.reset) await walk.reset(k - 1);
            }
            context.progress?.(++done, migrations.length);
          }
        }),
      );
    } finally {
      for (const walk of walks) await walk.close();
      await references.close();
    }
    const findings: Finding[] = [];
    for (let k = migrations.length; k >= 1; k--) findings.push(...(byStep[k] ?? []));
    return { status: findings.length > 0 ? 'fail' : 'pass', cases: migrations.length, findings };
  },
};

/**
 * The ranges (low, high] of steps `walks` walks take, newest first, so that they end together: a
 * walk first runs the ups up to its top (about a third of what a step costs: a mark, the down,
 * the proof), then its own steps. Only ranges with a step are returned.
 */
export function walkRanges(steps: number, walks: number): [number, number][] {
  const count = Math.max(1, Math.min(walks, steps));
  const up = 1;
  const step = 3;
  // With each walk taking time T: its top b_i satisfies up·b_i + step·(b_i − b_{i−1}) = T.
  const tops = (time: number): number[] => {
    const result: number[] = [];
    let previous = 0;
    for (let i = 0; i < count; i++) {
      previous = (time + step * previous) / (up + step);
      result.push(previous);
    }
    return result;
  };
  let low = 0;
  let high = (up + step) * steps;
  for (let i = 0; i < 50; i++) {
    const mid = (low + high) / 2;
    if (tops(mid)[count - 1]! < steps) low = mid;
    else high = mid;
  }
  const bounds = tops(high).map((b) => Math.min(steps, Math.round(b)));
  bounds[count - 1] = steps;
  const ranges: [number, number][] = [];
  let previous = 0;
  for (const bound of bounds) {
    if (bound > previous) ranges.push([previous, bound]);
    previous = Math.max(previous, bound);
  }
  return ranges;
}

/** The findings of one step down, and whether the database it left must be replaced by the reference. */
async function judgeStep(
  context: CheckContext,
  references: Prefixes,
  walk: Walk,
  k: number,
  migration: Migration,
  step: DownTrace,
  reproduce: string,
): Promise<{ findings: Finding[]; reset: boolean }> {
  const { states } = context;
  const name = pathIn(migration.down?.file ?? migration.file);
  if (step.refusal || !step.migration) {
    const message = `${context.model.down!.command} refused before undoing ${name}: ${step.refusal?.message ?? 'nothing to roll back'}`;
    return { findings: [plainFinding(migration, message, step.refusal?.operatorAction ?? null, reproduce)], reset: true };
  }
  if (step.migration !== migration) {
    const message = `${context.model.down!.command} undid ${pathIn(step.migration.file)} where ${pathIn(migration.file)} was the newest migration applied`;
    return { findings: [plainFinding(migration, message, null, reproduce)], reset: true };
  }
  if (step.failure) {
    const message = `the down section of ${name} fails: ${step.failure.error.message}`;
    const finding = errorFinding('down', step.failure, reproduce, message);
    finding.hint = 'the down section runs on the state its own up left: check that what it drops, alters or deletes matches what the up created (names, schema)';
    return { findings: [finding], reset: true };
  }
  // The common case, proved cheaply: the catalogs' rows (OIDs and all), the data and the trackers
  // are those the ups alone left after k-1 (the sequences too, or only further on: Walk.proves).
  // The up then does again what it did on that very state, so running it again and comparing
  // would tell nothing more.
  if (await walk.proves(k - 1)) return { findings: [], reset: false };
  const db = walk.db;
  const findings: Finding[] = [];
  const before = await references.after(k - 1);
  const undone = await compareStates(states, db, before, { relaxed: true, trackers: true });
  if (!undone.equal) {
    const paths = undone.diff.map((d) => `${d.path} ${d.change}`);
    const why = step.missing ? ` (${step.missing})` : '';
    findings.push(
      stateFinding('down', `after the down of ${name}${why} the database is not the state before its up: ${summary(paths)}`, undone.diff, reproduce, {
        ...(migration.down?.statements[0] ? { statement: migration.down.statements[0] } : {}),
        hint: undone.diff.some((d) => d.change === 'missing')
          ? 'the down section removes what earlier migrations made (e.g. DROP CONSTRAINT drops the index a constraint took over with USING INDEX): undo only what the up made, and restore what its undoing takes along'
          : 'make the down section undo exactly what the up made: drop every object it created (types, functions, indexes too), delete the rows it inserted, restore what it changed',
      }),
    );
    if (!migration.down?.statements[0]) findings[findings.length - 1]!.file = migration.down?.file ?? migration.file;
  }
  const again = await upAgain(context, references, db, k, migration, reproduce);
  findings.push(...again);
  // Even when the step is as it should be, the database is the state before k only as the full
  // comparison sees it (a down that makes an object again gives it a new OID), which no mark below
  // would prove: the walk goes on from the ups' own state.
  return { findings, reset: true };
}

/** Applies migration k again on the state its down left (`db`): it must reach the state k reached. */
async function upAgain(context: CheckContext, references: Prefixes, db: DatabaseHandle, k: number, migration: Migration, reproduce: string): Promise<Finding[]> {
  const { states } = context;
  {
    const trace = await references.run(k, db);
    if (trace.failure) {
      const message = `the up of ${pathIn(migration.file)} fails after its own down: ${trace.failure.error.message}`;
      const finding = errorFinding('down', trace.failure, reproduce, message);
      finding.hint = `the down section of this migration left behind what the up makes again (or removed what it needs): undo exactly what the up made, in ${pathIn(migration.down?.file ?? migration.file)}`;
      return [finding];
    }
    if (!trace.ok) return [plainFinding(migration, `the up of ${pathIn(migration.file)} is refused after its own down: ${trace.refusal?.message ?? 'the run failed'}`, trace.refusal?.operatorAction ?? null, reproduce)];
    const again = await compareStates(states, db, await references.after(k), { relaxed: true, trackers: true });
    if (again.equal) return [];
    const paths = again.diff.map((d) => `${d.path} ${d.change}`);
    return [stateFinding('down', `the up of ${pathIn(migration.file)} after its own down does not reach the state its first up reached: ${summary(paths)}`, again.diff, reproduce, {
      ...(migration.up.statements[0] ? { statement: migration.up.statements[0] } : {}),
      hint: 'the down section leaves something the up then meets (or removes something the up relies on): undo exactly what the up made',
    })];
  }
}

function summary(paths: string[]): string {
  return `${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ` and ${paths.length - 3} more` : ''}`;
}

function invalidFinding(migration: Migration, error: InputError, reproduce: string): Finding {
  const file = error.file ?? migration.down!.file;
  const message = `the down section of ${pathIn(migration.down!.file)} does not parse: ${error.message}`;
  return {
    check: 'down',
    file,
    line: error.line ?? null,
    column: error.column ?? null,
    statement: null,
    sqlstate: '42601',
    message,
    detail: null,
    hint: error.fix ?? 'fix the syntax of the down section: the tool sends it only when it rolls back, so nothing else runs into it',
    diff: null,
    reproduce,
    cause: { file, line: error.line ?? null, sqlstate: '42601', message, diff: null },
  };
}

function plainFinding(migration: Migration, message: string, hint: string | null, reproduce: string): Finding {
  return placelessFinding('down', message, reproduce, message, hint, migration.down?.file ?? migration.file);
}

/** How many times its range a walk may run its ups again after steps that were compared the full way. */
const WALK_AGAIN_BUDGET = 3;

/**
 * The database the check steps down on. It is first brought up the way the ups alone go, one
 * migration at a time, marking every state on the way (src/snapshot/mark.ts): the row versions it
 * holds. A down that undoes exactly what its up made leaves the very row versions there were (or,
 * in the few catalogs a mark compares by contents, rows of the same contents), which the mark
 * proves with counts, without a digest of every row. An up that changes other rows that were there
 * before (an UPDATE) cannot be undone to the same versions, so before such an up (a static guess,
 * down-proof.ts) the raw digest of the state is kept too: the objects of
 * migrations 1..j keep their OIDs down the walk, so a down that undoes its up leaves the very digest
 * the ups left after j (src/snapshot/hash.ts, StateHash.raw). Neither proving it, the step is
 * compared the slow way, with a reference database, and the walk goes on from a database brought
 * up again to the state before the step (reset).
 *
 * A state proved by its raw digest where its mark did not hold keeps the new row versions of the
 * relations that differed (a backfill undone by dropping its column leaves every row of the
 * table a new version of the same values), which no earlier mark saw. So the walk marks that
 * state again: its mark is those relations' anchor (src/snapshot/mark.ts, Anchor). A later state
 * i is judged for such a relation by the anchor instead, where the ups left its rows as they were
 * from state i to the anchor's (the marks on the way up say which, `#since`): its contents are
 * then the anchor's, which the raw digest proved to be state i's too. Below an up that added rows
 * to such a relation, the raw digest is kept as well (down-proof.ts, rawDigestsKept), and proves
 * that step for a new anchor.
 */
class Walk {
  #marks: StateMark[];
  #hashes: (StateHash | undefined)[];
  /** Per state j on the way up, per relation: the first state from which its row versions were the same up to j. */
  #since: Map<string, number>[];
  /** Per relation, the anchor it is judged by and the state whose contents that anchor holds. */
  readonly #anchors = new Map<string, { mark: StateMark; at: number }>();
  #fromReferences = false;
  /** The ups the walk ran again after resets (WALK_AGAIN_BUDGET). */
  #walkedAgain = 0;
  /** The connection marks are read on, kept for the walk: a new backend plans with cold catalog caches. */
  #client: pg.Client | undefined;

  private constructor(
    readonly references: Prefixes,
    private readonly rawKept: boolean[],
    public db: DatabaseHandle,
    marks: StateMark[],
    hashes: (StateHash | undefined)[],
    client: pg.Client,
    /** The walk's range of states: it marked those from `low` to below `high`. */
    readonly low: number,
    readonly high: number,
  ) {
    this.#marks = marks;
    this.#hashes = hashes;
    this.#client = client;
    this.#since = [];
    marks.forEach((mark, j) => {
      const before = this.#since[j - 1];
      const unchanged = new Set(mark.unchanged ?? []);
      this.#since[j] = new Map(Object.keys(mark.counts).map((key) => [key, unchanged.has(key) ? (before?.get(key) ?? j) : j]));
    });
  }

  /**
   * Brings a database up to migration `count`, marking the states after `from` migrations and on:
   * from nothing, or from a copy of `start`, the state after `from` migrations. `rawKept`: the
   * states whose raw digest is kept too (down-proof.ts, rawDigestsKept).
   */
  static async up(references: Prefixes, rawKept: boolean[], count: number, from = 0, start?: State): Promise<Walk> {
    const { states } = references;
    const db = start ? await states.copy(start) : await states.server.createDatabase();
    let client: pg.Client | undefined;
    const marks: StateMark[] = [];
    const hashes: (StateHash | undefined)[] = [];
    const sequences = states.settings.relaxed === false;
    // The state after j migrations, before the next one's up: what the down of migration j+1 must leave.
    const keep = async (j: number): Promise<void> => {
      if (j < from || j >= count) return;
      client ??= await db.connect();
      marks[j] = await states.mark(db, { client, sequences, after: marks[j - 1] });
      if (rawKept[j]) hashes[j] = await states.hash(db, { canonical: false });
    };
    try {
      const plan = references.plan(count);
      if (plan.blocks.length === count && plan.blocks.every((block, i) => block.migrations.length === 1 && block.migrations[0] === plan.set.migrations[i])) {
        // One block per migration, each committed when it ends: the state after block j of one run
        // is the state a run with j files leaves, so one run gives them all; before the first
        // block, the tool's empty tracker (what the first migration's down leaves).
        const trace = await states.run(db, { atBoundary: keep, ...(start ? { from } : {}) }, plan);
        if (!trace.ok) throw prefixFails(marks.length, trace);
      } else {
        await keep(start ? from : 0);
        for (let j = start ? from + 1 : 1; j <= count; j++) {
          const trace = await references.run(j, db);
          if (!trace.ok) throw prefixFails(j, trace);
          await keep(j);
        }
      }
      client ??= await db.connect();
    } catch (error) {
      await client?.end().catch(() => undefined);
      await states.drop(db);
      throw error;
    }
    return new Walk(references, rawKept, db, marks, hashes, client, from, count);
  }

  /**
   * Whether the database holds, row for row, the state the ups alone reach with migrations 1..j.
   * Where its sequences stand is left out under the relaxed comparison (the default): a down that
   * deletes the rows its up inserted into an earlier table cannot take back the values they drew,
   * and the values the up draws when it runs again are compared up to renumbering, as a run's are.
   * Compared exactly (`relaxed: false`), they must stand where they stood.
   */
  async proves(j: number): Promise<boolean> {
    const { states } = this.references;
    const sequences = states.settings.relaxed === false;
    let differing: string[] = [];
    if (!this.#fromReferences) {
      const check = await states.checkMark(this.db, this.#marks[j]!, { client: this.#client, anchors: this.anchorsFor(j) });
      if (check.holds) return true;
      differing = check.differing;
    }
    const expected = this.#fromReferences ? (await this.references.after(j)).hash : this.#hashes[j];
    if (!expected) return false;
    const found = await states.hash(this.db, { canonical: false });
    const proved = found.raw === expected.raw && (!sequences || found.sequences === expected.sequences);
    if (proved && differing.length > 0) {
      // The contents are state j's, the row versions of `differing` new: they are judged from here on by this mark.
      const mark = await states.mark(this.db, { client: this.#client, sequences });
      for (const key of differing) this.#anchors.set(key, { mark, at: j });
    }
    return proved;
  }

  /** The anchors standing for relations at state j: those whose rows the ups left alone from j to the anchor's state. */
  private anchorsFor(j: number): Anchor[] {
    const grouped = new Map<StateMark, string[]>();
    for (const [key, { mark, at }] of this.#anchors) {
      const since = this.#since[at]?.get(key);
      if (since === undefined || since > j || this.#marks[j]!.counts[key] === undefined) continue;
      grouped.set(mark, [...(grouped.get(mark) ?? []), key]);
    }
    return [...grouped].map(([mark, keys]) => ({ mark, keys }));
  }

  /**
   * Goes on from the state migrations 1..j reach by ups alone, in place of what a step left: a
   * database brought up again from the walk's lowest state, marking each state on the way, so that
   * the steps below are proved by marks again. (A copy of the reference state is of another
   * lineage than the references below it, each built apart: its objects' OIDs are not theirs, and
   * every later step would be compared the full way.) Within a budget of ups, since a set whose
   * every down fails would walk up again at every step; past it, a copy of the reference state.
   */
  async reset(j: number): Promise<void> {
    const { states } = this.references;
    await this.endClient();
    await states.drop(this.db);
    const ups = j - this.low;
    if (ups > 0 && this.#walkedAgain + ups <= WALK_AGAIN_BUDGET * (this.high - this.low)) {
      this.#walkedAgain += ups;
      const walk = await Walk.up(this.references, this.rawKept, j, this.low, this.low > 0 ? await this.references.after(this.low) : undefined);
      this.db = walk.db;
      this.#marks = walk.#marks;
      this.#hashes = walk.#hashes;
      this.#since = walk.#since;
      this.#client = walk.#client;
      this.#anchors.clear();
      this.#fromReferences = false;
      return;
    }
    this.db = await states.copy(await this.references.after(j));
    this.#fromReferences = true;
  }

  async close(): Promise<void> {
    await this.endClient();
    await this.references.states.drop(this.db);
  }

  /** Only marks of the first database are read on it: after a reset the reference's digests stand. */
  private async endClient(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }
}
