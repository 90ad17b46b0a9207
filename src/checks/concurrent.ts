import fc from 'fast-check';
import type pg from 'pg';
import type { DatabaseHandle } from '../postgres/types.js';
import { VirtualClock } from '../runners/retry.js';
import type { RunOptions, Trace } from '../runners/types.js';
import { appliedSet } from './applies.js';
import { compareStates } from './compare.js';
import { asReplica, installGate, type Replica, type Send } from './concurrent/gate.js';
import { holdCommits, type CommitHold } from './concurrent/hold.js';
import { interleave, type Interleaving } from './concurrent/interleave.js';
import { describeSteps, enumerated, scheduleLength } from './concurrent/schedule.js';
import { errorFinding, stateFinding } from './findings.js';
import { explore } from './explore.js';
import { pathIn } from './paths.js';
import type { State } from './states.js';
import type { Check, CheckContext, Finding } from './types.js';

/** Replicas when `--replicas` is not given: two servers booting at once. */
export const DEFAULT_REPLICAS = 2;
/** Sampled cases when `--runs` is not given: each case runs the whole set once per replica. */
const DEFAULT_RUNS = 8;
/** Longer than the server's deadlock detection (deadlock_timeout, 1 s by default) takes. */
const STUCK_MS = 3000;

/** One case: the state the replicas start from (before block `start` of the plan) and the scheduler's choices. */
export interface ConcurrentCase {
  start: number;
  choices: number[];
}

const RACE_HINT =
  'replicas that start at once run the same statements side by side: IF NOT EXISTS does not protect two sessions that create the same object at the same moment (the second fails on the catalog\'s unique index, or waits and then finds it). Take a lock for the whole run, e.g. pg_advisory_lock on the runner\'s connection before the first migration (released at the end), so that the second replica waits and then finds nothing to do (a CREATE INDEX CONCURRENTLY then deadlocks with that wait: build indexes outside the boot)';

/** N replicas run the model on one database at the same moment; every interleaving must end as a fresh run does. */
export const concurrent: Check = {
  name: 'concurrent',
  summary: 'replicas that run the set at the same moment all succeed and leave the state of one run',
  async run(context) {
    const fresh = await appliedSet(context);
    const { states } = context;
    const replicas = context.options.replicas ?? DEFAULT_REPLICAS;
    const blocks = states.plan.blocks.length;
    const statements = states.plan.blocks.reduce((n, b) => n + b.statements.length, 0);
    const length = scheduleLength(blocks, statements, replicas);
    const first = Array.from({ length: Math.max(1, blocks) }, (_, b) => b);
    await states.settle();
    // The check's own sessions (reading pg_stat_activity, letting commits go) use a database of their own.
    const control = await context.server.createDatabase();
    const hold = await commitHold(context, control).catch(async (error: unknown) => {
      await context.server.dropDatabase(control.name).catch(() => undefined);
      throw error;
    });
    const starts = new Starts(context);
    const removeGate = installGate();
    try {
      const outcome = await explore(
        { ...context, options: { ...context.options, runs: context.options.runs ?? DEFAULT_RUNS } },
        {
          check: 'concurrent',
          all: first.flatMap((start) => enumerated(length).map((choices) => ({ start, choices }))),
          arbitrary: fc.record({
            // The empty database (every replica's first boot) half of the time; else an earlier release.
            start: fc.oneof(fc.constant(0), fc.nat({ max: first.length - 1 })),
            choices: fc.array(fc.nat({ max: replicas - 1 }), { maxLength: length }),
          }),
          key: (c) => `${c.start}:${c.choices.join(',')}`,
          evaluate: (c) => evaluate(context, { starts, fresh, control, hold: hold.active, replicas }, c),
        },
      );
      return {
        ...outcome,
        details: {
          ...outcome.details,
          replicas,
          commitsHeld: hold.active,
          ...(hold.reason ? { commitsNotHeld: hold.reason } : {}),
          ...(context.model.lock ? { lock: context.model.lock.summary } : {}),
        },
      };
    } finally {
      removeGate();
      await starts.close();
      await hold.restore();
      await context.server.dropDatabase(control.name).catch(() => undefined);
    }
  },
};

/**
 * The states replicas start from: the empty database, or the state a run that stopped before block
 * b left (an earlier release had only those files). Each is one run of the model on an empty
 * database, kept as a template for the cases that start there; unlike the states other checks keep,
 * no intermediate state is hashed, since none is compared.
 */
class Starts {
  readonly #made = new Map<number, Promise<DatabaseHandle>>();

  constructor(readonly context: CheckContext) {}

  at(b: number): Promise<DatabaseHandle> {
    let made = this.#made.get(b);
    if (!made) {
      made = (async () => {
        const { states } = this.context;
        const empty = await states.empty();
        if (b === 0) return empty.db;
        const db = await states.copy(empty);
        const trace = await states.run(db, { until: b });
        if (!trace.ok) throw new Error(`the run that stops before block ${b + 1} fails: ${trace.failure?.error.message ?? trace.refusal?.message ?? 'the run failed'}`);
        return db;
      })();
      this.#made.set(b, made);
    }
    return made;
  }

  async close(): Promise<void> {
    for (const [b, made] of this.#made) {
      const db = b === 0 ? undefined : await made.catch(() => undefined);
      if (db) await this.context.states.drop(db);
    }
  }
}

/**
 * Commits are held where migtest may change the server's settings for the time of the check: its
 * own servers, and only when the set itself changes none (a set's ALTER SYSTEM is replayed per
 * case, src/checks/lineage.ts, and would undo the hold).
 */
async function commitHold(context: CheckContext, control: DatabaseHandle): Promise<CommitHold> {
  const none = (reason: string): CommitHold => ({ active: false, reason, restore: async () => undefined });
  if (context.server.provider === 'url') return none('a server migtest does not own keeps its settings: interleaved message by message only');
  if (context.states.serial) return none('the set changes server settings itself: interleaved message by message only');
  return holdCommits(control);
}

interface Setting {
  starts: Starts;
  fresh: State;
  control: DatabaseHandle;
  hold: boolean;
  replicas: number;
}

/** How soon a replica's session looks for a deadlock once it waits on a lock. */
const DEADLOCK_TIMEOUT = '100ms';
/** For the wait for the tool's lock: never (the longest the server allows), see runReplica. */
const NEVER = '2147483647ms';

/**
 * The session settings of a replica's connection: commits that wait to be let go, and quick
 * deadlock detection. Whether deadlock_timeout could be set: a superuser's setting only, elsewhere
 * the server's own applies.
 */
async function replicaSession(send: Send, hold: boolean, deadlockTimeout: string): Promise<boolean> {
  if (hold) await send('SET synchronous_commit = on');
  return send(`SET deadlock_timeout = '${deadlockTimeout}'`).then(
    () => true,
    () => false,
  );
}

/**
 * One replica's run of the model on `runner` (the case's database as the set's runs reach it), its
 * tool's lock around it. The tool takes its lock on the connection it migrates on: so does the
 * replica, on the first connection its run makes. (On a connection of its own, a statement that
 * waits for older transactions, CREATE INDEX CONCURRENTLY, would wait forever on another replica
 * waiting for the lock, where the tool's one session makes that a deadlock the server ends.)
 *
 * Which of two deadlocked sessions the server ends depends on which looked first, deadlock_timeout
 * after its wait began: a matter of timing. So that the same choices give the same run, the wait
 * for the tool's lock never looks (its session's deadlock_timeout is the longest there is until it
 * has the lock): the other session, which can only be the one holding the lock, finds the cycle.
 */
function runReplica(context: CheckContext, runner: DatabaseHandle, replica: Replica, hold: boolean): Promise<Trace> {
  const { model, states } = context;
  const options: RunOptions = { clock: new VirtualClock(), ...(model.retry && states.settings.retry ? { retry: states.settings.retry } : {}) };
  const lock = model.lock;
  let connections = 0;
  let tunable = false;
  const setup = async (send: Send): Promise<void> => {
    const holder = lock !== undefined && connections++ === 0;
    const set = await replicaSession(send, hold, holder ? NEVER : DEADLOCK_TIMEOUT);
    if (holder) tunable = set;
  };
  return asReplica(replica, setup, runner, async (db) => {
    if (!lock) return model.run(states.plan, db, options);
    interface Holder {
      client: pg.Client;
      ended: boolean;
    }
    let holder: Holder | undefined;
    const locked: DatabaseHandle = {
      ...db,
      connect: async () => {
        const client = await db.connect();
        if (!holder) {
          const held: Holder = { client, ended: false };
          holder = held;
          // Ended (by the run, or by the server: the 'end' event), or given back to the server's
          // pool (whose reset gives the lock back, and which may hand the connection to another
          // replica at once; its `end` is the pool's): never released from here then.
          client.once('end', () => {
            held.ended = true;
          });
          const end = client.end.bind(client) as () => Promise<void>;
          (client as { end: () => Promise<void> }).end = () => {
            held.ended = true;
            return end();
          };
          const acquire = lock.acquire(states.plan, db);
          await client.query(tunable ? `${acquire};\nSET deadlock_timeout = '${DEADLOCK_TIMEOUT}'` : acquire);
        }
        return client;
      },
    };
    try {
      return await model.run(states.plan, locked, options);
    } finally {
      // A run that closed its connection (or gave it back to the pool) gave the lock back with it.
      if (holder && !holder.ended) await holder.client.query(lock.release(states.plan, db)).catch(() => undefined);
    }
  });
}

async function evaluate(context: CheckContext, setting: Setting, c: ConcurrentCase): Promise<Finding | null> {
  const { states } = context;
  const db = await states.copyDatabase(await setting.starts.at(c.start));
  const monitor = await setting.control.connect();
  try {
    const runner = await states.runner(db);
    const run = await interleave({
      replicas: setting.replicas,
      start: (replica) => runReplica(context, runner, replica, setting.hold),
      monitor,
      choices: c.choices,
      stuckMs: STUCK_MS,
    });
    const failure = runFinding(context, run, c, setting.replicas);
    if (failure) return failure;
    const comparison = await compareStates(states, db, setting.fresh, { relaxed: true, trackers: true });
    if (comparison.equal) return null;
    const paths = comparison.diff.map((d) => `${d.path} ${d.change}`);
    const finding = stateFinding(
      'concurrent',
      `${setting.replicas} replicas ${where(context, c)} all succeed, and leave another state than one run: ${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ` and ${paths.length - 3} more` : ''}`,
      comparison.diff,
      context.reproduce('concurrent'),
      {
        hint: comparison.diff.every((d) => d.path.startsWith('tracker:'))
          ? "the tool's own record differs from one run's: both replicas found the same work pending and recorded it (the tool takes no lock); run it once before the replicas start (a deploy step), or hold a lock around it"
          : 'each replica ran a statement whose effect adds up (a row inserted twice, a value updated twice): make it converge, or take a lock for the whole run so that one replica migrates and the others find nothing to do',
      },
    );
    finding.detail = describeSteps(run.steps);
    finding.case = caseOf(c, run);
    return finding;
  } finally {
    await monitor.end().catch(() => undefined);
    await states.drop(db);
  }
}

function where(context: CheckContext, c: ConcurrentCase): string {
  if (c.start === 0) return 'that start at once on an empty database';
  const previous = context.states.plan.blocks[c.start - 1]!.migrations.at(-1);
  return `that start at once on the state after ${previous ? pathIn(previous.file) : `block ${c.start}`}`;
}

function caseOf(c: ConcurrentCase, run: Interleaving): Record<string, unknown> {
  return { start: c.start, choices: c.choices, steps: run.steps.length, decisions: run.decisions, interleaving: run.steps.slice(0, 100).map((s) => `${s.replica + 1}${s.action === 'send' ? 's' : 'c'}`).join(' ') + (run.steps.length > 100 ? ' …' : '') };
}

/** The first replica's error, a replica that waited forever, or a refusal; null when every replica succeeded. */
function runFinding(context: CheckContext, run: Interleaving, c: ConcurrentCase, replicas: number): Finding | null {
  const reproduce = context.reproduce('concurrent');
  const thrown = run.ended.find((i) => run.runs[i] instanceof Error) ?? -1;
  if (thrown >= 0) {
    // A server error outside the set's statements: the tool's own work (its tracker table) raced.
    const error = run.runs[thrown] as Error & { code?: string };
    if (!error.code || !/^[0-9A-Z]{5}$/.test(error.code)) throw error;
    const message = `replica ${thrown + 1} of ${replicas} ${where(context, c)} fails in the tool's own statements (its lock or its tracker), before or after the set's: ${error.message}`;
    const hint =
      error.code === '40P01'
        ? deadlockHint(context, (error as { detail?: string }).detail)
        : context.model.lock
          ? "the tool's own statements fail while another replica migrates: run it once before the replicas start (a deploy step)"
          : 'the tool takes no lock, and its own setup (creating its tracker table) races between replicas: run it once before the replicas start (a deploy step), or hold a lock around it';
    return unplacedFinding({ message, sqlstate: error.code, hint, cause: error.message }, run, c, reproduce);
  }
  const traces = run.runs as Trace[];
  const stuck = new Set(run.stuck.map((s) => s.replica));
  const failed = run.ended.find((i) => !stuck.has(i) && traces[i]!.failure) ?? -1;
  if (failed >= 0) {
    const failure = traces[failed]!.failure!;
    const deadlock = failure.error.sqlstate === '40P01';
    const message = deadlock
      ? `replicas ${where(context, c)} deadlock: replica ${failed + 1} of ${replicas} is ended by the server: ${failure.error.message}`
      : `replica ${failed + 1} of ${replicas} ${where(context, c)} fails: ${failure.error.message}`;
    const finding = errorFinding('concurrent', failure, reproduce, message);
    finding.hint = deadlock ? deadlockHint(context, failure.error.detail) : RACE_HINT;
    finding.detail = [finding.detail, `interleaving:\n${describeSteps(run.steps)}`].filter(Boolean).join('\n');
    finding.case = caseOf(c, run);
    return finding;
  }
  const first = run.stuck[0];
  if (first) {
    const message = `replica ${first.replica + 1} of ${replicas} ${where(context, c)} waits forever: its message waits on a lock of session ${first.blockers.join(', ')} and nothing can move (cancelled): ${first.message}`;
    const file = traces[first.replica]?.failure?.statement ?? null;
    return {
      check: 'concurrent',
      file: file?.file ?? null,
      line: file?.line ?? null,
      column: file?.column ?? null,
      statement: file?.sql ?? first.message,
      sqlstate: null,
      message,
      detail: `interleaving:\n${describeSteps(run.steps)}`,
      hint: 'a replica waits on a lock that a session of its own, or one that waits itself, holds: take locks in one order on one connection',
      diff: null,
      reproduce,
      case: caseOf(c, run),
      cause: { file: file?.file ?? null, line: file?.line ?? null, sqlstate: null, message: 'waits forever', diff: null },
    };
  }
  const refused = run.ended.find((i) => traces[i]!.refusal) ?? -1;
  if (refused >= 0) {
    const refusal = traces[refused]!.refusal!;
    const message = `replica ${refused + 1} of ${replicas} ${where(context, c)} refuses to run: ${refusal.message}`;
    return unplacedFinding({ message, sqlstate: null, hint: refusal.operatorAction, cause: refusal.message }, run, c, reproduce);
  }
  return null;
}

/**
 * Why replicas deadlock. A statement that waits for every older transaction to end (CREATE or DROP
 * INDEX CONCURRENTLY, REINDEX CONCURRENTLY, DETACH PARTITION CONCURRENTLY: the server's detail names
 * a virtual transaction) waits for the other replica's wait for the tool's lock, which waits on this
 * run: no order of the set's statements avoids it while the tool holds a lock for the whole run.
 */
function deadlockHint(context: CheckContext, detail: string | undefined): string {
  if (context.model.lock && detail?.includes('virtual transaction')) {
    return (
      "a CONCURRENTLY statement waits for every transaction older than it, and the other replica's wait for the tool's lock is one, while that wait waits on this run: " +
      'the server ends one of them (the file then stays half-applied: an INVALID index, a dirty version). Run CONCURRENTLY statements outside the migrations, before the replicas start, or build the index without CONCURRENTLY while the table is small'
    );
  }
  return 'two replicas take the same locks in opposite orders: take a lock for the whole run so that replicas migrate one at a time';
}

/** A finding no statement of the set holds (the tool's own statements, its refusal), with the interleaving. */
function unplacedFinding(
  what: { message: string; sqlstate: string | null; hint: string; cause: string },
  run: Interleaving,
  c: ConcurrentCase,
  reproduce: string,
): Finding {
  return {
    check: 'concurrent',
    file: null,
    line: null,
    column: null,
    statement: null,
    sqlstate: what.sqlstate,
    message: what.message,
    detail: `interleaving:\n${describeSteps(run.steps)}`,
    hint: what.hint,
    diff: null,
    reproduce,
    case: caseOf(c, run),
    cause: { file: null, line: null, sqlstate: what.sqlstate, message: what.cause, diff: null },
  };
}
