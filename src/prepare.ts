import { States, type RunSettings } from './checks/states.js';
import { loadForLint, type LoadedForLint } from './lint/load.js';
import { loadSet } from './migrations/load.js';
import { initParser } from './migrations/split.js';
import { InputError, type Env, type MigrationSet } from './migrations/types.js';
import { serverStarts, type ProviderRequest } from './postgres/providers.js';
import type { DatabaseHandle, Server, StartOptions } from './postgres/types.js';
import type { Limits } from './postgres/limits.js';
import { exhausted } from './postgres/exhausted.js';
import { refuseRole } from './postgres/run-as.js';
import { refuseClusterChanges } from './postgres/url-guard.js';
import { runnerModel } from './runners/registry.js';
import { readSqlFiles, refuseClusterSetup, type SqlFile } from './migrations/setup.js';
import { makeBase, withBase } from './migrations/setup-run.js';
import { effectiveRetry } from './runners/retry.js';
import type { Plan, RunnerModel, RunnerOptions } from './runners/types.js';

/*
 * The start every command that runs a set shares (`check`, `snapshot`, `lint`): the runner model,
 * the set read and parsed, the model's plan of it (made once: every run and replay gets it), how
 * runs are configured, and where the servers come from. Bad input is refused here, before any
 * server starts: an unknown runner or option, an unreadable set, a malformed retry policy, a
 * provider that cannot serve the versions asked for.
 */

export interface PrepareRequest {
  dir: string;
  runner: string;
  /** `--runner-option name=value` pairs. */
  runnerOptions?: RunnerOptions;
  /** `--role`: the role the set runs as (embedded and container). */
  role?: string;
  /** The environment variables the set may read (`${VAR}` substitution); none when absent. */
  env?: Env;
  /** The retry policy given (`--retry`, a scenario's `retry`); absent: the tool's own, if it has one. */
  retry?: string;
  /**
   * How the set is read. `lint` reads it as lint does: what the tool's parser refuses but lint
   * reports (a psql meta-command) is kept as `loading`, and the rest of the set is still read.
   */
  load?: 'run' | 'lint';
  /** `--setup` files: run once per server on the base state every case starts from (src/migrations/setup-run.ts). */
  setup?: string[];
  /** `--verify` files: what must hold on every state a check reaches (src/checks/verify.ts). */
  verify?: string[];
  /** `--jobs` and `--memory`: how much of the server a run uses at once (RunSettings). */
  jobs?: number;
  memory?: number;
  /** Where the servers come from; absent: no server (lint). */
  servers?: (ProviderRequest & { postgres: number[]; limits?: Partial<Limits> }) | { server: Server };
  /** The command's own checks of its input, once the set is planned and before servers are chosen. */
  validate?(prepared: Omit<Prepared, 'servers'>): void;
}

/** Where a run's servers come from: one entry per PostgreSQL version. */
export interface Servers {
  starts: StartOptions[];
  /** Starts the server of one entry (a server the caller gave is handed over as it is). */
  start(start: StartOptions): Promise<Server>;
  /** Stops a server `start` started; one the caller gave stays up. */
  release(server: Server): Promise<void>;
}

export interface Prepared {
  model: RunnerModel;
  set: MigrationSet;
  plan: Plan;
  settings: RunSettings;
  servers: Servers;
  /** With `load: 'lint'`: what the parser refused and lint reports instead. */
  loading: LoadedForLint['loading'];
  /** The `--setup` files, read and split: every server's base state. */
  setup: SqlFile[];
}

const NO_SERVERS: Servers = {
  starts: [],
  start: () => Promise.reject(new Error('this command runs no server')),
  release: () => Promise.resolve(),
};

export async function prepare(request: PrepareRequest): Promise<Prepared> {
  const model = runnerModel(request.runner);
  const env = request.env ?? {};
  await initParser();
  const { set, loading } = request.load === 'lint' ? await loadForLint(request.dir, model, env) : { set: await loadSet(request.dir, model.format, env), loading: [] };
  const runnerOptions = request.runnerOptions ?? {};
  const plan = model.plan(set, runnerOptions); // refuses unknown runner options
  const retry = effectiveRetry(model, request.retry, env); // and a malformed retry policy (given, or the tool's variable)
  if (request.role !== undefined) refuseRole(request.role);
  const setup = readSqlFiles(request.setup ?? [], '--setup');
  const verify = readSqlFiles(request.verify ?? [], '--verify');
  const settings: RunSettings = {
    runnerOptions,
    ...(retry ? { retry } : {}),
    ...(request.role !== undefined ? { role: request.role } : {}),
    ...(verify.length > 0 ? { verify } : {}),
    ...(request.jobs !== undefined ? { jobs: request.jobs } : {}),
    ...(request.memory !== undefined ? { memory: request.memory } : {}),
  };
  request.validate?.({ model, set, plan, settings, loading, setup });
  if (onUrl(request.servers)) {
    refuseClusterChanges(set, model.cluster ? ['database'] : []);
    refuseClusterSetup(setup);
    if (request.role !== undefined) {
      throw new InputError(
        '--role is for the embedded and container providers: migtest makes the role on a server of its own, and does not make roles on an existing server',
        undefined,
        undefined,
        undefined,
        'with --provider url, put the deploy role in the url itself (postgres://app_owner:…@host/db): the set then runs as that role',
      );
    }
  }
  return { model, set, plan, settings, servers: serversOf(request.servers), loading, setup };
}

/** Whether the run's server is an existing one (not migtest's to change beyond its scratch databases). */
function onUrl(request: PrepareRequest['servers']): boolean {
  if (!request) return false;
  return 'server' in request ? request.server.provider === 'url' : request.provider === 'url';
}

function serversOf(request: PrepareRequest['servers']): Servers {
  if (!request) return NO_SERVERS;
  if ('server' in request) {
    const given = request.server;
    return { starts: [{}], start: () => Promise.resolve(given), release: () => Promise.resolve() };
  }
  const { provider, starts } = serverStarts(request, request.postgres);
  const limits = request.limits;
  return { starts, start: (start) => provider.start({ ...start, ...(limits ? { limits } : {}) }), release: (server) => server.stop() };
}

/**
 * Starts each server of a prepared run in turn and gives `body` the server and the run's states on
 * it; the states are closed and the server released afterwards, whatever happened.
 */
export async function onEachServer(
  prepared: Prepared,
  body: (server: Server, states: States, started: { startMs: number }) => Promise<void>,
): Promise<void> {
  let provider: string | undefined;
  try {
    for (const start of prepared.servers.starts) {
      const began = Date.now();
      const started = await prepared.servers.start(start);
      provider = started.provider;
      let base: DatabaseHandle | undefined;
      try {
        // With --setup, every empty database of the run is a copy of the state the setup files left.
        base = prepared.setup.length > 0 ? await makeBase(started, prepared.setup) : undefined;
        const server = base ? withBase(started, base) : started;
        const states = new States(server, prepared.model, prepared.plan, prepared.settings);
        try {
          await body(server, states, { startMs: Date.now() - began });
        } finally {
          await states.close();
        }
      } finally {
        // A server the caller gave outlives the run: the base database goes with the run.
        if (base) await started.dropDatabase(base.name).catch(() => undefined);
        await prepared.servers.release(started);
      }
    }
  } catch (error) {
    // Disk or memory of the test machine running out (a folder made, a database copied) is exit 2 saying which.
    throw exhausted(error, provider) ?? error;
  }
}
