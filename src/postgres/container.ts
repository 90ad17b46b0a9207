import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { StartedPostgreSqlContainer } from '@testcontainers/postgresql';
import pg from 'pg';
import { InputError } from '../migrations/types.js';
import { refuseWhenStopping, track } from './cleanup.js';
import { ownerAlive, ownerRecord, parseOwnerRecord } from './owner.js';
import { tellReaped } from './reap.js';
import { FAST_SETTINGS, freePort } from './embedded.js';
import { ServerSession } from './server.js';
import { InfrastructureError, type Provider, type Server, type StartOptions } from './types.js';

/** `{pg}` in an image name stands for each `--pg` version: one image per version. */
export const DEFAULT_IMAGE = 'postgres:{pg}';
const PLACEHOLDER = '{pg}';
/** Every container of one migtest process carries this label, so cleanup finds one it never got the id of. */
const RUN_LABEL = 'org.migtest.run';
/** And this one tells the starts of one process apart (a library user may run several servers at once). */
const START_LABEL = 'org.migtest.start';
/** The owner record (owner.ts): a later run removes the containers of a process that is gone. */
const OWNER_LABEL = 'org.migtest.owner';
const USER = 'postgres';

/** The image for one `--pg` version: `{pg}` replaced; an image without it is taken as it is. */
export function imageFor(image: string, major: number | undefined): string {
  if (!image.includes(PLACEHOLDER)) return image;
  if (major === undefined) throw new InputError(`--image ${image} has ${PLACEHOLDER} but no --pg version fills it`, undefined, undefined, undefined, 'give --pg, e.g. --pg 17');
  return image.replaceAll(PLACEHOLDER, String(major));
}

/** The version rule for container images, checked before any container starts. */
export function checkImageVersions(image: string, majors: number[]): void {
  if (!image.includes(PLACEHOLDER) && majors.length > 1) {
    throw new InputError(
      `--image ${image} is one image, but --pg asks for ${majors.length} versions (${majors.join(',')})`,
      undefined,
      undefined,
      undefined,
      `put ${PLACEHOLDER} where the version goes, e.g. --image 'postgres:${PLACEHOLDER}', or give one --pg version (or none: the image's own)`,
    );
  }
}

/** The install line for the container provider's optional peer dependencies. */
export const TESTCONTAINERS_INSTALL = 'npm install --save-dev testcontainers@11 @testcontainers/postgresql@11';

/**
 * testcontainers and its PostgreSQL module are optional peer dependencies (most of an install's
 * size, and only `--provider container` needs them): loaded here, on first use, and a missing one
 * is exit 2 with the line that installs them.
 */
async function loadTestcontainers(): Promise<{
  testcontainers: typeof import('testcontainers');
  postgresql: typeof import('@testcontainers/postgresql');
}> {
  const load = async <T>(name: string, importer: () => Promise<T>): Promise<T> => {
    try {
      return await importer();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
      throw new InfrastructureError(
        `--provider container needs the npm package ${name}, which is not installed (migtest lists testcontainers and @testcontainers/postgresql as optional peer dependencies: the embedded and url providers never load them)`,
        TESTCONTAINERS_INSTALL,
      );
    }
  };
  const testcontainers = await load('testcontainers', () => import('testcontainers'));
  const postgresql = await load('@testcontainers/postgresql', () => import('@testcontainers/postgresql'));
  return { testcontainers, postgresql };
}

/** Whether a Docker engine answers; the reason when it does not. */
export async function dockerAvailable(): Promise<{ ok: true } | { ok: false; reason: string }> {
  disableRyukUnlessAsked();
  try {
    const { getContainerRuntimeClient } = (await loadTestcontainers()).testcontainers;
    await getContainerRuntimeClient();
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * migtest removes its own containers (cleanup.ts, also on SIGINT and SIGTERM), so Ryuk, the reaper
 * container testcontainers would start, is not needed; and its image is one more pull, which fails
 * where no registry is reachable. A user who wants it sets TESTCONTAINERS_RYUK_DISABLED=false.
 */
function disableRyukUnlessAsked(): void {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
}

const runToken = `${process.pid}-${randomBytes(4).toString('hex')}`;

/** The label on every container this process starts: `docker ps --filter label=<key>=<value>` finds them. */
export const containerLabel = { key: RUN_LABEL, value: runToken } as const;

/** Removes the containers of one start, also one whose start was cut short (its id never came back). */
async function removeStarted(start: string): Promise<void> {
  const { getContainerRuntimeClient } = (await loadTestcontainers()).testcontainers;
  const client = await getContainerRuntimeClient();
  const dockerode = (client.container as unknown as { dockerode: import('dockerode') }).dockerode;
  const found = await dockerode.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${runToken}`, `${START_LABEL}=${start}`] } });
  await Promise.all(found.map((info) => dockerode.getContainer(info.Id).remove({ force: true, v: true }).catch(() => undefined)));
}

/** Whether the engine has `image` already; a failed start of an image it lacks is a failed pull. */
async function imageIsLocal(image: string): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = (await loadTestcontainers()).testcontainers;
    const client = await getContainerRuntimeClient();
    const dockerode = (client.container as unknown as { dockerode: import('dockerode') }).dockerode;
    await dockerode.getImage(image).inspect();
    return true;
  } catch {
    return false;
  }
}

let reaped: Promise<void> | undefined;

/** Once per process, before its first container: the containers of runs that are gone. */
function reapOnce(): Promise<void> {
  reaped ??= (async () => {
    const { getContainerRuntimeClient } = (await loadTestcontainers()).testcontainers;
    const client = await getContainerRuntimeClient();
    const dockerode = (client.container as unknown as { dockerode: import('dockerode') }).dockerode;
    const found = await dockerode.listContainers({ all: true, filters: { label: [OWNER_LABEL] } });
    const removed: string[] = [];
    for (const info of found) {
      const owner = parseOwnerRecord(info.Labels[OWNER_LABEL] ?? '');
      if (!owner || ownerAlive(owner) !== false) continue;
      try {
        await dockerode.getContainer(info.Id).remove({ force: true, v: true });
        removed.push(`container ${info.Id.slice(0, 12)}`);
      } catch {
        // Removed by another run meanwhile.
      }
    }
    tellReaped(removed);
  })().catch(() => undefined);
  return reaped;
}

function removeRunContainersSync(): void {
  // The exit handler cannot await: the docker command line does it, where there is one.
  try {
    const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=${RUN_LABEL}=${runToken}`], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .split(/\s+/)
      .filter(Boolean);
    if (ids.length > 0) execFileSync('docker', ['rm', '-f', '-v', ...ids], { stdio: 'ignore' });
  } catch {
    // No docker command line, or no engine: nothing more can be done at exit.
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Starts one PostgreSQL container from `image`; it serves a whole run. */
export async function startContainer(options: StartOptions): Promise<Server> {
  const image = imageFor(options.image ?? DEFAULT_IMAGE, options.major);
  const { testcontainers, postgresql } = await loadTestcontainers();
  const available = await dockerAvailable();
  if (!available.ok) {
    throw new InfrastructureError(
      `the container provider needs a Docker engine, and none answers: ${available.reason.split('\n')[0]}`,
      'start Docker (or set DOCKER_HOST to one), or use --provider embedded',
    );
  }
  await reapOnce();
  refuseWhenStopping('starting a container');
  const { PostgreSqlContainer } = postgresql;
  const { Wait } = testcontainers;
  const password = randomBytes(18).toString('base64url');
  const command = ['postgres'];
  for (const [key, value] of Object.entries(FAST_SETTINGS)) command.push('-c', `${key}=${value}`);

  let container: StartedPostgreSqlContainer | undefined;
  let starting = false;
  const start = randomBytes(4).toString('hex');
  // Once: the end of a run and a signal's cleanup may both ask.
  let removing: Promise<void> | undefined;
  const remove = (): Promise<void> => (removing ??= removeNow());
  const removeNow = async (): Promise<void> => {
    if (container) {
      await container.stop({ remove: true, removeVolumes: true, timeout: 0 }).catch(() => undefined);
      return;
    }
    // Cut short while starting (Ctrl-C): the engine may still be creating the container, so look
    // for it by label, and once more a moment later.
    await removeStarted(start).catch(() => undefined);
    if (!starting) return;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await removeStarted(start).catch(() => undefined);
  };
  const untrack = track({ label: `PostgreSQL container ${image}`, release: remove, releaseSync: removeRunContainersSync });
  try {
    try {
      starting = true;
      for (let attempt = 1; ; attempt++) {
        // A fixed host port: `docker restart` after a crash fault would otherwise map a new one.
        // Another process may take it between the choice and the start: then choose again.
        const port = await freePort();
        try {
          container = await new PostgreSqlContainer(image)
            .withUsername(USER)
            .withPassword(password)
            .withDatabase('postgres')
            .withExposedPorts({ container: 5432, host: port })
            .withCommand(command)
            .withLabels({ [RUN_LABEL]: runToken, [START_LABEL]: start, [OWNER_LABEL]: ownerRecord() })
            // The health check alone (pg_isready in the container): the module's default also
            // polls the port with three `docker exec`s at a time, which on two cores slows initdb
            // severalfold.
            .withWaitStrategy(Wait.forHealthCheck())
            .withStartupTimeout(120_000)
            .start();
          break;
        } catch (error) {
          if (attempt >= 3 || !/port is already allocated|address already in use/i.test(describe(error))) throw error;
          await removeStarted(start).catch(() => undefined);
        }
      }
    } catch (error) {
      starting = false;
      const message = describe(error);
      if (!(await imageIsLocal(image))) {
        throw new InfrastructureError(
          `the image ${image} is not on this machine and could not be pulled: ${message.split('\n')[0]}`,
          `pull it where a registry is reachable (docker pull ${image}), or build migtest's local PostgreSQL 15 image: bash scripts/postgres-image/build.sh`,
        );
      }
      throw new InfrastructureError(`the container ${image} did not start: ${message.split('\n')[0]}`);
    }
    starting = false;
    if (removing) {
      // Started after a signal's cleanup had looked for it: removed here, the last to know of it.
      await container!.stop({ remove: true, removeVolumes: true, timeout: 0 }).catch(() => undefined);
      throw new InfrastructureError(`the container ${image} started after the run began to stop`);
    }
    const started = container;
    const base: pg.ClientConfig = { host: started.getHost(), port: started.getPort(), user: USER, password };
    const dataDirectory = await queryOne(base, `SELECT current_setting('data_directory') AS value`);

    /**
     * A crash at a statement boundary: the backend running the migration is killed at once, then
     * the postmaster is told to quit immediately (SIGQUIT: no checkpoint, recovery from WAL at the
     * next start). SIGKILL cannot reach it when it is the container's first process, which the
     * kernel shields from every signal it has no handler for.
     */
    const crashSql = (): string =>
      `COPY (SELECT 1) TO PROGRAM 'kill -KILL $PPID; kill -QUIT $(head -n 1 ${quoteShell(`${dataDirectory}/postmaster.pid`)})'`;
    const restart = async (): Promise<void> => {
      await started.restart({ timeout: 0 });
      await waitUntilReady(base);
    };
    const session = await ServerSession.open({
      provider: 'container',
      base,
      adminDatabase: 'postgres',
      dropOnStop: false,
      ...(options.limits ? { limits: options.limits } : {}),
      crash: { sql: crashSql, restart },
      shutdown: async () => {
        await remove();
        untrack();
      },
      shutdownSync: removeRunContainersSync,
    });
    if (options.major !== undefined && session.major !== options.major) {
      await session.stop();
      throw new InfrastructureError(
        `the image ${image} runs PostgreSQL ${session.version}, not the ${options.major} that --pg asks for`,
        `use --pg ${session.major} (or leave --pg out: the image's own version), or an image of PostgreSQL ${options.major}`,
      );
    }
    return session;
  } catch (error) {
    await remove();
    untrack();
    throw error;
  }
}

function quoteShell(text: string): string {
  // Inside a SQL string literal inside a shell command: no quote of either kind may pass.
  if (!/^[\w./-]+$/.test(text)) throw new InfrastructureError(`unexpected data directory path: ${text}`);
  return text;
}

async function queryOne(config: pg.ClientConfig, text: string): Promise<string> {
  const client = new pg.Client({ ...config, database: 'postgres' });
  try {
    await client.connect();
    return String((await client.query<{ value: string }>(text)).rows[0]!.value);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function waitUntilReady(config: pg.ClientConfig): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const client = new pg.Client({ ...config, database: 'postgres' });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new InfrastructureError(`PostgreSQL in its container did not come back after a crash: ${describe(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

export const container: Provider = {
  name: 'container',
  start: (options) => startContainer(options),
};
