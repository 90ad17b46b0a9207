import { afterAll, beforeAll } from 'vitest';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { DatabaseHandle, Server } from '../../src/postgres/types.js';
import { runChecks, type RunRequest } from '../../src/run.js';
import type { RunReport } from '../../src/checks/types.js';
import { displayReport } from '../../src/report/paths.js';

/**
 * One embedded server for a whole test file, instead of one per command line run: `runChecks`
 * with it is what `migtest check` does with a server of its own (the CLI's `check` calls it),
 * less a process and a server start (about 2 s each on a 2-core machine). The databases a run
 * made are dropped when it ends, so that a file of many runs does not fill the cluster's memory.
 * The report is the one the CLI prints: paths shown from the current directory (src/report/paths.ts).
 */
type SharedRequest = Omit<RunRequest, 'server' | 'provider' | 'postgres'>;

export function sharedServer(major = 17): {
  run(request: SharedRequest): Promise<RunReport>;
  /** The report as the core makes it, before a reporter shows it: absolute paths, marked in texts. */
  runInCore(request: SharedRequest): Promise<RunReport>;
  server(): Server;
} {
  let server: Server | undefined;

  beforeAll(async () => {
    server = await startEmbedded({ major });
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** The server, keeping in `made` the databases it makes for one run. */
  const tracked = (made: Set<string>): Server => {
    const real = server!;
    return {
      provider: real.provider,
      major: real.major,
      version: real.version,
      ...(real.crash ? { crash: real.crash } : {}),
      ...(real.databaseSize ? { databaseSize: (name: string) => real.databaseSize!(name) } : {}),
      ...(real.connections ? { connections: () => real.connections!() } : {}),
      ...(real.storage !== undefined ? { storage: real.storage } : {}),
      async createDatabase(options?: { template?: string }): Promise<DatabaseHandle> {
        const db = await real.createDatabase(options);
        made.add(db.name);
        return db;
      },
      async dropDatabase(name: string): Promise<void> {
        made.delete(name);
        await real.dropDatabase(name);
      },
      stop: () => real.stop(),
    };
  };

  const runInCore = async (request: SharedRequest): Promise<RunReport> => {
    const mine = new Set<string>();
    try {
      return await runChecks({ ...request, provider: 'embedded', postgres: [major], server: tracked(mine) });
    } finally {
      for (const name of mine) await server!.dropDatabase(name).catch(() => undefined);
    }
  };

  return {
    run: async (request) => displayReport(await runInCore(request)),
    runInCore,
    server: () => server!,
  };
}
