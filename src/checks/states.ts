import type { MigrationSet, Statement } from '../migrations/types.js';
import type { DatabaseHandle, Server } from '../postgres/types.js';
import { execStatements } from '../runners/execute.js';
import { VirtualClock, type RetryPolicy } from '../runners/retry.js';
import type { DownStepOptions, DownTrace, Plan, RunOptions, RunnerModel, Trace, TrackerSpec } from '../runners/types.js';
import { trackerOf } from '../runners/tracker.js';
import type { StateHash } from '../snapshot/hash.js';
import type { MarkCheck, StateMark } from '../snapshot/mark.js';
import { DatabaseReads, type MarkCheckOptions, type MarkReadOptions } from './database-reads.js';
import type { Snapshot } from '../snapshot/types.js';
import type pg from 'pg';
import { exhaustedByStatement } from '../postgres/exhausted.js';
import { RunAs } from '../postgres/run-as.js';
import { clusterChanges } from '../migrations/cluster.js';
import { ClusterLineage, type ClusterState } from './lineage.js';
import type { Calibration, RelaxedReference } from './calibration.js';
import { KeptReads } from './kept-reads.js';
import type { SqlFile } from '../migrations/setup.js';
import { verifyState, type VerifyFailure } from './verify-run.js';
import { KeptTemplates, type Built } from './kept.js';
import { defaultMemory } from './budget.js';
import { freeBytes } from '../postgres/storage.js';
import { serverJobs } from './jobs.js';

/** A database state reached once and kept as a template, with what it took to reach it. */
export interface State {
  db: DatabaseHandle;
  trace: Trace;
  /** Server-side hashes: how states are compared. The full snapshot is read only to explain a difference. */
  hash: StateHash;
  /** For a set that changes the server outside its database: that part as this state's lineage left it (src/checks/lineage.ts). */
  cluster?: ClusterState;
}

/** How a run of the set is configured, the same for every case of a check. */
export interface RunSettings {
  /** The runner options the plan was made under: for the reproduce commands of findings. */
  runnerOptions: Record<string, string>;
  /** The retry policy in effect: given (`--retry`, a scenario's `retry`), or the tool's own default. */
  retry?: RetryPolicy;
  /**
   * Keep reached states as templates and reuse them (the default). Off, every state is built
   * again from an empty database for every use: the naive way, kept to measure the difference.
   */
  reuse?: boolean;
  /**
   * Compare states reached different ways without the values PostgreSQL makes anew in every run
   * (volatile functions' results, sequence values): the default. Off, every comparison is exact,
   * as `twice`'s is: kept to measure what the calibration costs.
   */
  relaxed?: boolean;
  /** `--role`: the role the set runs as, which owns each case's database (snapshots read as the superuser). */
  role?: string;
  /** `--verify` files: what must hold on every state a check reaches (src/checks/verify.ts). */
  verify?: SqlFile[];
  /**
   * `--memory`: the bytes kept databases may take on the server (src/checks/kept.ts). Absent: half
   * the free space where the cluster lives, capped (src/checks/budget.ts). Verdicts never depend on it.
   */
  memory?: number;
  /** `--jobs`: cases run at once (src/checks/jobs.ts); absent: two per core, within the server's connections. */
  jobs?: number;
}

/**
 * The states of one run, reached once and reused by every check and case: a case gets a copy
 * (`CREATE DATABASE … TEMPLATE`) instead of applying the prefix again.
 */
export class States {
  readonly #runAs: RunAs | undefined;
  /** The reached states' databases, within the --memory budget. */
  readonly kept: KeptTemplates<State>;

  /** `plan`: the model's plan of the set, made once for the whole run (see src/prepare.ts). */
  constructor(
    readonly server: Server,
    readonly model: RunnerModel,
    readonly plan: Plan,
    readonly settings: RunSettings = { runnerOptions: {} },
  ) {
    this.#runAs = settings.role !== undefined ? new RunAs(settings.role) : undefined;
    const changes = server.provider === 'url' ? [] : clusterChanges(plan.set.migrations.flatMap((m) => m.up.statements));
    this.#cluster = new ClusterLineage(
      changes.some((c) => c.object === 'setting'),
      changes.some((c) => c.object === 'role'),
    );
    this.kept = new KeptTemplates(
      { server, make: (built, previous) => this.keep(built, previous), release: (db) => this.dropNow(db) },
      settings.memory ?? defaultMemory(freeBytes(server.storage)),
    );
  }

  /** The server-wide state (settings, roles) of each database's lineage, for a set that changes it. */
  readonly #cluster: ClusterLineage;

  /**
   * Whether cases must run one at a time: the server's settings and roles are per case, and two
   * cases at once would run under each other's.
   */
  get serial(): boolean {
    return this.#cluster.active;
  }

  #jobs: Promise<number> | undefined;

  /** How many cases run at once on this server: read once (src/checks/jobs.ts). */
  jobs(): Promise<number> {
    return (this.#jobs ??= serverJobs(this.settings.jobs, this.server));
  }

  /** The database as the set's runs reach it: as `--role` when given, else as it is (check `concurrent` runs the model itself on it). */
  runner(db: DatabaseHandle): Promise<DatabaseHandle> {
    return this.#runAs ? this.#runAs.handle(db) : Promise.resolve(db);
  }

  /** The tracker the plan's runs keep, if any. */
  get tracker(): TrackerSpec | undefined {
    return trackerOf(this.model, this.plan);
  }

  get set(): MigrationSet {
    return this.plan.set;
  }

  /** Tracker tables of the model, as qualified names, kept apart from the schema. */
  get trackers(): string[] {
    const tracker = this.tracker;
    return tracker ? [`${tracker.schema}.${tracker.table}`] : [];
  }

  /**
   * Runs the model as configured, with case-specific options (faults, from, until), on a virtual
   * clock: a check never sleeps through a retry policy's waits. The tool's own retries (RunnerModel.retry)
   * belong to every run; for a tool without them, a policy stands for a supervisor that runs the
   * tool again, and applies only where a check asks for it (`options.retry`): elsewhere the
   * checks look at one run and, when it matters, the next.
   */
  async run(db: DatabaseHandle, options: RunOptions = {}, plan: Plan = this.plan): Promise<Trace> {
    const retry = 'retry' in options ? options.retry : this.model.retry ? this.settings.retry : undefined;
    const { retry: _given, ...rest } = options;
    const runner = await this.runner(db);
    const trace = await this.#cluster.around(db, () =>
      this.model.run(plan, runner, {
        clock: new VirtualClock(),
        ...rest,
        ...(retry ? { retry } : {}),
      }),
    );
    // The test server's disk or memory running out says nothing about the set: no check may
    // turn it into a finding (nor into a pass), so the run stops with exit 2.
    const failure = trace.failure;
    if (failure && !failure.faulted) {
      const place = failure.statement ?? { file: failure.block.migrations[0]?.file ?? failure.block.record?.file ?? this.set.dir };
      const exhausted = exhaustedByStatement(failure.error, place, this.server.provider);
      if (exhausted) throw exhausted;
    }
    return trace;
  }

  /**
   * One step of the tool's rollback on `db` (the model has down semantics), as the set's runs go:
   * as `--role` when given, under the case's lineage of server settings and roles.
   */
  async stepDown(db: DatabaseHandle, options: DownStepOptions = {}): Promise<DownTrace> {
    const down = this.model.down;
    if (!down) throw new Error(`${this.model.name} has no down migrations`);
    const runner = await this.runner(db);
    return this.#cluster.around(db, () => down.step(this.plan, runner, options));
  }

  /** The --verify statements that do not hold on `db` (none given: none). */
  verify(db: DatabaseHandle): Promise<VerifyFailure[]> {
    return verifyState(db, this.settings.verify ?? []);
  }

  /** The same for a kept state, read on a copy: a template must have no connection while cases are copied from it. */
  async verifyKept(state: State): Promise<VerifyFailure[]> {
    if ((this.settings.verify ?? []).length === 0) return [];
    const db = await this.copy(state);
    try {
      return await this.verify(db);
    } finally {
      await this.drop(db);
    }
  }

  async snapshot(db: DatabaseHandle): Promise<Snapshot> {
    return this.#cluster.read(db, () => this.#db.snapshot(db));
  }

  /** The server-side hashes of a state (DatabaseReads.hash). */
  async hash(db: DatabaseHandle, options: { canonical?: boolean; reference?: StateHash } = {}): Promise<StateHash> {
    return this.#cluster.read(db, () => this.#db.hash(db, options));
  }

  /** The row versions `db` holds now (DatabaseReads.mark); `client`: a connection to it the caller keeps. */
  mark(db: DatabaseHandle, options: MarkReadOptions = {}): Promise<StateMark> {
    return this.#cluster.read(db, () => this.#db.mark(db, options));
  }

  /** Whether `db` (the marked database, or a copy of it) holds exactly the state `mark` was read from (DatabaseReads.checkMark). */
  checkMark(db: DatabaseHandle, mark: StateMark, options: MarkCheckOptions = {}): Promise<MarkCheck> {
    return this.#cluster.read(db, () => this.#db.checkMark(db, mark, options));
  }

  readonly #db = new DatabaseReads(() => ({ trackers: this.trackers, volatile: this.tracker?.volatile ?? [] }));

  /**
   * Gives a kept state hashed raw only its canonical hashes, read on a copy once (a template must
   * have no connection while cases are copied from it).
   */
  canonical(state: State): Promise<void> {
    const hash = state.hash;
    if (!hash.rawOnly) return Promise.resolve();
    let reading = this.#canonical.get(hash);
    if (!reading) {
      reading = this.readCopy(state, (client) => this.#db.hashOn(client)).then((full) => {
        // Read on a copy of the database the state has now (built again, it may be another one
        // than when asked): canonical hashes hold for any database of the same state, and equal
        // raw digests still prove equal states.
        state.hash = full;
      });
      this.#canonical.set(hash, reading);
    }
    return reading;
  }

  /** By the raw-only hashes being completed: a state built again gets new ones. */
  readonly #canonical = new WeakMap<StateHash, Promise<void>>();

  /**
   * The hashes of `db` when it is expected to equal `reference`: when its raw digest matches,
   * the reference's canonical hashes are its own; otherwise they are computed.
   */
  async hashAgainst(db: DatabaseHandle, reference: State): Promise<StateHash> {
    return this.hash(db, { reference: reference.hash });
  }

  /**
   * `previous`: what a state built again was before it was given back (its hashes: likely its own
   * again). A state built `rawOnly` is hashed raw only (`canonical` reads the rest when needed).
   */
  private async keep({ db, trace, rawOnly }: Built, previous?: State): Promise<State> {
    const canonical = !rawOnly;
    const state: State = { db, trace, hash: await this.hash(db, previous ? { reference: previous.hash, canonical } : { canonical }) };
    const cluster = this.#cluster.stateOf(db);
    if (cluster) state.cluster = cluster;
    return state;
  }

  readonly #reads: KeptReads<State> = new KeptReads<State>(this);

  /** Which columns differ between two correct runs: computed once, the first time a comparison needs it. */
  calibration(): Promise<Calibration> {
    return this.#reads.calibration();
  }

  /** What a relaxed comparison with `state` needs (its rules and fingerprints), read once per state. */
  relaxedReference(state: State): Promise<RelaxedReference> {
    return this.#reads.relaxedReference(state);
  }

  /** Reads a kept state on a copy of it: a template must have no connection while cases are copied from it. */
  readCopy<T>(state: State, read: (client: pg.Client) => Promise<T>): Promise<T> {
    return this.#reads.readCopy(state, read, (db, body) => this.#cluster.read(db, body));
  }

  /** The full snapshot of a kept state, read once and only when a difference needs explaining. */
  snapshotOf(state: State): Promise<Snapshot> {
    return this.#reads.snapshotOf(state);
  }

  /** The state after one full run of the model on an empty database. */
  fresh(): Promise<State> {
    return this.reach(
      'fresh',
      async () => {
        const db = await this.server.createDatabase();
        return { db, trace: await this.run(db) };
      },
      true,
    );
  }

  /** The empty database a first run starts from. */
  empty(): Promise<State> {
    return this.reach('empty', async () => ({ db: await this.server.createDatabase(), trace: { blocks: [], ok: true } }), true);
  }

  /**
   * The state a first run has reached just before block `b`, built from the nearest earlier state
   * kept (usually the one before block `b - 1`, so that each block of the plan runs once however
   * many cases start there), by running the blocks between: a sampled case pays for one copy and
   * the blocks up to its own, never for a kept state before every block. Never recursive: a set of
   * thousands of blocks builds its states in a loop, and a state given back is built again the same way.
   */
  before(b: number): Promise<State> {
    if (b === 0) return this.empty();
    if (this.settings.reuse === false) {
      return (async () => {
        const db = await this.server.createDatabase();
        return this.keep({ db, trace: await this.run(db, { until: b }) });
      })();
    }
    return this.reach(`before:${b}`, async () => {
      let k = b - 1;
      while (k > 0 && !this.kept.available(`before:${k}`)) k--;
      const db = await this.copy(await this.before(k));
      // Cases compare their copies of it, which keep its OIDs, so the raw digest decides; the
      // canonical hashes, which cost most on a wide schema, wait until a comparison needs them.
      return { db, trace: await this.run(db, { from: k, until: b }), rawOnly: true };
    });
  }

  /**
   * The state block `b` should leave when only its first `durable` statements take effect: the
   * reference a faulted block is compared with.
   */
  partial(b: number, durable: number): Promise<State> {
    if (durable === 0) return this.before(b);
    return this.reach(`partial:${b}:${durable}`, async () => {
      const db = await this.copy(await this.before(b));
      const block = this.plan.blocks[b]!;
      if (this.model.replay) {
        // The model sends them its own way (other connections, COPY data), tracker untouched.
        const runner = await this.runner(db);
        await this.#cluster.around(db, () => this.model.replay!(this.plan, runner, block, durable));
      } else {
        await this.replay(db, block.statements.slice(0, durable), `the first ${durable} statements of block ${b}`);
      }
      return { db, trace: { blocks: [], ok: true } };
    });
  }

  /**
   * The state `from` reaches when `statements` run on it one by one, each committed, kept under
   * `key` as every reached state is: the reference for a fault in a block outside the plan (a down
   * section). `what` names the statements if one fails.
   */
  replayed(key: string, from: State, statements: Statement[], what: string): Promise<State> {
    return this.reach(`replayed:${key}`, async () => {
      const db = await this.copy(from);
      await this.replay(db, statements, what);
      return { db, trace: { blocks: [], ok: true } };
    });
  }

  /** Runs `statements` on `db` one by one, each committed, as the set's runs go (as `--role`); `what` names them if one fails. */
  private async replay(db: DatabaseHandle, statements: Statement[], what: string): Promise<void> {
    const client = await (await this.runner(db)).connect();
    try {
      const run = await execStatements(client, statements);
      if (run.error) throw new Error(`replaying ${what} failed: ${run.error.message}`);
    } finally {
      await client.end();
    }
  }

  /**
   * A new scratch database that starts as a copy of `state`, with its own copy of what runs made
   * for it outside it (databases a set creates belong to the server, not to the database).
   */
  copy(state: State): Promise<DatabaseHandle> {
    // A kept state given back for room is built again first; it is not given back while copied.
    return this.kept.use(state, async (template) => {
      const db = await this.server.createDatabase({ template: template.name });
      this.kept.copied(state, db.name);
      await this.model.cluster?.copy(template, db);
      await this.#cluster.inherit(db, state.cluster);
      return db;
    });
  }

  /**
   * An empty database on the server as runs on `after` left it: what an operator makes after
   * dropping a database keeps the server's roles and settings, so it continues `after`'s lineage.
   */
  async emptyAfter(after: DatabaseHandle): Promise<DatabaseHandle> {
    const db = await this.server.createDatabase();
    await this.#cluster.inherit(db, this.#cluster.stateOf(after));
    return db;
  }

  /** A copy of a case's database as a run left it, continuing its lineage (see copy). */
  async copyDatabase(from: DatabaseHandle): Promise<DatabaseHandle> {
    const db = await this.server.createDatabase({ template: from.name });
    await this.model.cluster?.copy(from, db);
    await this.#cluster.inherit(db, this.#cluster.stateOf(from));
    return db;
  }

  readonly #dropping = new Set<Promise<void>>();

  /**
   * Gives back a case's database. Dropping costs the server more than copying did, so some wait
   * (src/checks/kept.ts): most runs end first, and then the server's own removal (a cluster deleted
   * whole, or the url provider's drop of everything it made) does the work in one go. The others
   * are dropped in the background; `settle()` waits for those drops.
   */
  drop(db: DatabaseHandle): Promise<void> {
    this.kept.retire(db);
    return Promise.resolve();
  }

  private dropNow(db: DatabaseHandle): void {
    const cluster = this.model.cluster;
    const dropping: Promise<void> = (cluster ? cluster.release(db) : Promise.resolve())
      .then(() => this.server.dropDatabase(db.name))
      .catch(() => undefined)
      .finally(() => this.#dropping.delete(dropping));
    this.#dropping.add(dropping);
  }

  async settle(): Promise<void> {
    while (this.#dropping.size > 0) await Promise.all([...this.#dropping]);
  }

  /** At the end of a run: what runs made outside the kept states' databases goes too. */
  async close(): Promise<void> {
    await this.settle();
    const cluster = this.model.cluster;
    if (!cluster) return;
    for (const db of this.kept.databases()) await cluster.release(db).catch(() => undefined);
  }

  /** The state under `key`, built once and kept (`permanent`: never given back for room). */
  private reach(key: string, build: () => Promise<Built>, permanent = false): Promise<State> {
    if (this.settings.reuse === false) return build().then((built) => this.keep(built));
    return this.kept.reach(key, build, permanent);
  }
}
