import { tmpdir } from 'node:os';
import { pathIn } from '../checks/paths.js';
import { InfrastructureError } from './types.js';

/*
 * A resource of the test machine running out (disk, memory, connections, files) is a limit of
 * where the set was tested, never a defect of the set nor of migtest: exit 2 saying which
 * resource, where, and what gives more of it.
 */

/** SQLSTATE class 53, insufficient resources: what each one ran out of. */
const SERVER_RESOURCES: Record<string, string> = {
  '53100': 'disk space',
  '53200': 'memory',
  '53300': 'connections',
  '53400': 'a configured limit',
};

/** Node's errno codes for the same. */
const PROCESS_RESOURCES: Record<string, string> = {
  ENOSPC: 'disk space',
  EDQUOT: 'disk quota',
  ENOMEM: 'memory',
  EMFILE: 'open files',
  ENFILE: 'open files',
};

/** Where the embedded provider's clusters live (clusterParent without importing the provider). */
function clusterFolder(): string {
  return process.env.MIGTEST_TMPDIR ? `${process.env.MIGTEST_TMPDIR} (MIGTEST_TMPDIR)` : `/dev/shm or ${tmpdir()}`;
}

/** What gives the server more of what it lacks, by provider. */
function serverFix(resource: string, provider: string | undefined): string {
  if (resource === 'disk space') {
    if (provider === 'embedded') return `free space in ${clusterFolder()}, or set MIGTEST_TMPDIR to a folder on a disk with more room`;
    if (provider === 'container') return "free space in the container engine's storage (docker system df)";
    return 'free space on the server of --url, or test on the embedded provider';
  }
  if (resource === 'memory') return 'free memory on the machine (fewer runs at once), or give the server more';
  if (resource === 'connections') return 'run fewer migtest runs at once against this server, or raise its max_connections';
  return "raise the server's limit the error names, or test with a smaller data set";
}

/** A class-53 SQLSTATE's resource, or undefined for any other. */
export function serverResource(sqlstate: string | undefined): string | undefined {
  if (!sqlstate?.startsWith('53')) return undefined;
  return SERVER_RESOURCES[sqlstate] ?? 'resources';
}

/**
 * A migration statement that failed because the test server ran out of a resource: not a finding.
 * `place`: the statement's file and line.
 */
export function exhaustedByStatement(
  error: { sqlstate: string; message: string },
  place: { file: string; line?: number },
  provider: string | undefined,
): InfrastructureError | undefined {
  const resource = serverResource(error.sqlstate);
  if (resource === undefined) return undefined;
  const at = `${pathIn(place.file)}${place.line !== undefined ? `:${place.line}` : ''}`;
  return new InfrastructureError(
    `the test server ran out of ${resource} while the set ran (${error.sqlstate}: ${error.message}, at ${at}): a limit of the machine migtest tests on, not a defect of the set, so no verdict`,
    serverFix(resource, provider),
  );
}

/**
 * An error thrown while migtest prepared servers or databases, as a resource that ran out, or
 * undefined when it is none: a server's class-53 error (copying a database fills its disk),
 * Node's ENOSPC, ENOMEM, EMFILE (creating a folder or file), V8's failed allocation.
 */
export function exhausted(error: unknown, provider?: string): InfrastructureError | undefined {
  if (error instanceof InfrastructureError || typeof error !== 'object' || error === null) return undefined;
  const { code, message, path } = error as { code?: unknown; message?: unknown; path?: unknown };
  const text = typeof message === 'string' ? message.split('\n')[0]! : '';
  if (typeof code === 'string') {
    const server = serverResource(code);
    if (server !== undefined) {
      return new InfrastructureError(`the test server ran out of ${server} while migtest prepared a database (${code}: ${text})`, serverFix(server, provider));
    }
    const own = PROCESS_RESOURCES[code];
    if (own !== undefined) {
      const where = typeof path === 'string' ? ` writing ${path}` : '';
      const fix =
        own === 'disk space' || own === 'disk quota'
          ? `free space there, or set MIGTEST_TMPDIR to a folder on a disk with more room (now ${clusterFolder()})`
          : own === 'memory'
            ? 'free memory on the machine, or run fewer migtest runs at once'
            : 'raise the open-file limit (ulimit -n), or run fewer migtest runs at once';
      return new InfrastructureError(`migtest ran out of ${own}${where} (${code})`, fix);
    }
  }
  if (error instanceof RangeError && /allocation failed|Invalid string length|Invalid array length/i.test(text)) {
    return new InfrastructureError(`migtest ran out of memory (${text})`, 'free memory on the machine, or run node with a larger --max-old-space-size');
  }
  return undefined;
}
