import type pg from 'pg';
import { WireProxy, type ServerError } from '../../faults/proxy/proxy.js';
import { forwardAll, type Action, type Boundary, type Decide } from '../../faults/proxy/boundary.js';
import { runCommand, targetOf, type CommandResult, type ToolCommand } from '../../faults/proxy/command.js';
import type { DatabaseHandle, Server } from '../../postgres/types.js';
import type { Trace } from '../../runners/types.js';
import type { StateHash } from '../../snapshot/hash.js';
import type { Snapshot } from '../../snapshot/types.js';
import type { Calibrated, Calibration, RelaxedReference } from '../calibration.js';
import { DatabaseReads } from '../database-reads.js';
import { KeptReads } from '../kept-reads.js';
import type { State } from '../states.js';
import { serverJobs } from '../jobs.js';

/*
 * The states of a run of a real tool (`--tool`): the tool runs unchanged, through the wire proxy,
 * on a database of its own per case. What the tool leaves is compared as every check compares
 * states (src/checks/compare.ts); the tables `--tool-tracker` names are its tracker.
 */

/** One run of the tool: what it said, and what the proxy saw. */
export interface ToolRun {
  result: CommandResult;
  /** Exit code 0 within the timeout. */
  ok: boolean;
  boundaries: Boundary[];
  errors: ServerError[];
  faults: { boundary: Boundary; action: Action }[];
}

/** The tool failed on an empty database: no check that compares with its fresh state can run. */
export class ToolDoesNotApply extends Error {
  constructor(readonly run: ToolRun) {
    super('the tool fails on an empty database');
  }
}

/**
 * Tracker columns that say when or in which order a run wrote a row, not what it applied: a
 * timestamp, or a value from a sequence (which rolled-back work consumes too).
 */
const VOLATILE_TRACKER_COLUMNS = `
SELECT DISTINCT a.attname AS name
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname || '.' || c.relname = ANY($1::text[]) AND a.attnum > 0 AND NOT a.attisdropped
  AND (a.attidentity <> ''
       OR pg_catalog.pg_get_expr(d.adbin, d.adrelid) ~* '(nextval|now\\(|current_timestamp|clock_timestamp|statement_timestamp|transaction_timestamp|localtimestamp|gen_random_uuid|uuid_generate)'
       OR a.atttypid IN ('timestamp'::regtype, 'timestamptz'::regtype, 'date'::regtype))
ORDER BY 1`;

function quoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A tracker given without a schema is in `public`, as the tools that take a bare name create it. */
export function qualifiedTracker(name: string): string {
  return name.includes('.') ? name : `public.${name}`;
}

export class ToolStates implements Calibrated<State> {
  /** Relaxed comparisons for states reached another way than fresh (the default of every run). */
  readonly settings: { relaxed?: boolean; reuse?: boolean } = { relaxed: true };
  readonly serial = false;
  readonly trackers: string[];
  #volatile: string[] = [];
  #fresh: Promise<{ state: State; run: ToolRun }> | undefined;
  readonly #reads: KeptReads<State> = new KeptReads<State>(this);

  #jobs: Promise<number> | undefined;

  constructor(
    readonly server: Server,
    readonly tool: ToolCommand,
    trackers: string[],
    /** `--jobs`; absent: as for a model's cases (src/checks/jobs.ts). */
    private readonly requestedJobs?: number,
  ) {
    this.trackers = trackers.map(qualifiedTracker);
  }

  /** How many cases run at once on this server, read once: `--jobs` reaches a real tool's cases too. */
  jobs(): Promise<number> {
    return (this.#jobs ??= serverJobs(this.requestedJobs, this.server));
  }

  /** Runs the tool on `db` through a proxy of its own, which decides at each boundary. */
  async runTool(db: DatabaseHandle, decide: Decide = forwardAll): Promise<ToolRun> {
    const target = { host: String(db.config.host ?? 'localhost'), port: Number(db.config.port ?? 5432) };
    const proxy = await WireProxy.start({ target, decide });
    try {
      const result = await runCommand(this.tool, targetOf(proxy.host, proxy.port, db.config));
      return { result, ok: result.code === 0 && !result.timedOut, boundaries: proxy.boundaries, errors: proxy.errors, faults: proxy.faults };
    } finally {
      await proxy.stop();
    }
  }

  /** The tool's first run on an empty database, kept as the reference of every comparison. */
  freshRun(): Promise<{ state: State; run: ToolRun }> {
    return (this.#fresh ??= (async () => {
      const db = await this.server.createDatabase();
      const run = await this.runTool(db);
      if (!run.ok) {
        await this.drop(db);
        throw new ToolDoesNotApply(run);
      }
      this.#volatile = await this.volatileTrackerColumns(db);
      return { state: { db, trace: traceOf(run), hash: await this.hash(db) }, run };
    })());
  }

  /**
   * Tracker columns whose values a correct run makes anew: a timestamp or a sequence's value by
   * the catalog, and any other column whose values differ after a second fresh run of the tool
   * (a duration, a random id the tool makes itself).
   */
  private async volatileTrackerColumns(db: DatabaseHandle): Promise<string[]> {
    if (this.trackers.length === 0) return [];
    const read = async (on: DatabaseHandle, query: string, values: unknown[]) => {
      const client = await on.connect();
      try {
        return (await client.query(query, values)).rows as Record<string, unknown>[];
      } finally {
        await client.end();
      }
    };
    const byCatalog = (await read(db, VOLATILE_TRACKER_COLUMNS, [this.trackers])).map((r) => String(r.name));
    const second = await this.server.createDatabase();
    try {
      if (!(await this.runTool(second)).ok) return byCatalog;
      const differing = new Set(byCatalog);
      for (const table of this.trackers) {
        const [schema, name] = table.split('.') as [string, string];
        const columnsOf = async (on: DatabaseHandle) =>
          (await read(on, `SELECT to_jsonb(t.*) AS row FROM ${quoted(schema)}.${quoted(name)} t`, []).catch(() => [])).map((r) => r.row as Record<string, unknown>);
        const [a, b] = [await columnsOf(db), await columnsOf(second)];
        const columns = new Set([...a, ...b].flatMap((row) => Object.keys(row)));
        for (const column of columns) {
          const values = (rows: Record<string, unknown>[]) => rows.map((row) => JSON.stringify(row[column] ?? null)).sort().join('\n');
          if (values(a) !== values(b)) differing.add(column);
        }
      }
      return [...differing].sort();
    } finally {
      await this.drop(second);
    }
  }

  async fresh(): Promise<State> {
    return (await this.freshRun()).state;
  }

  /** Calibration's second fresh run (src/checks/calibration.ts). */
  async run(db: DatabaseHandle): Promise<Trace> {
    return traceOf(await this.runTool(db));
  }

  hash(db: DatabaseHandle, options: { canonical?: boolean; reference?: StateHash } = {}): Promise<StateHash> {
    return this.#db.hash(db, options);
  }

  readonly #db = new DatabaseReads(() => ({ trackers: this.trackers, volatile: this.#volatile }));

  hashAgainst(db: DatabaseHandle, reference: State): Promise<StateHash> {
    return this.hash(db, { reference: reference.hash });
  }

  /** A real tool's states are hashed whole when kept: nothing to read later. */
  canonical(state: State): Promise<void> {
    if (state.hash.rawOnly) throw new Error('a real tool\'s kept state was hashed raw only');
    return Promise.resolve();
  }

  snapshot(db: DatabaseHandle): Promise<Snapshot> {
    return this.#db.snapshot(db);
  }

  snapshotOf(state: State): Promise<Snapshot> {
    return this.#reads.snapshotOf(state);
  }

  calibration(): Promise<Calibration> {
    return this.#reads.calibration();
  }

  relaxedReference(state: State): Promise<RelaxedReference> {
    return this.#reads.relaxedReference(state);
  }

  /** A copy of a kept state: a template must have no connection while it is copied, so it is read on a copy. */
  copy(state: State): Promise<DatabaseHandle> {
    return this.server.createDatabase({ template: state.db.name });
  }

  readCopy<T>(state: State, read: (client: pg.Client) => Promise<T>): Promise<T> {
    return this.#reads.readCopy(state, read);
  }


  drop(db: DatabaseHandle): Promise<void> {
    return this.server.dropDatabase(db.name);
  }

  async close(): Promise<void> {
    const fresh = await this.#fresh?.catch(() => undefined);
    if (fresh) await this.drop(fresh.state.db).catch(() => undefined);
  }
}

/** A tool run as the trace calibration reads: whether it succeeded, and if not, the tool's words. */
function traceOf(run: ToolRun): Trace {
  if (run.ok) return { blocks: [], ok: true };
  return { blocks: [], ok: false, refusal: { message: outputTail(run.result), operatorAction: 'see the tool output' } };
}

/** The last lines of a tool's output: where tools say why they stopped. */
export function outputTail(result: CommandResult, lines = 6): string {
  if (result.timedOut) return `timed out after ${result.durationMs} ms`;
  const tail = result.output.trim().split('\n').slice(-lines).join('\n');
  return tail || `exit code ${result.code ?? 'none (killed)'}`;
}
