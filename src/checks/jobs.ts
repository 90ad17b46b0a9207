import { availableParallelism } from 'node:os';
import type { Server } from '../postgres/types.js';

/**
 * Connections one case may hold at once: the run's, a hash or snapshot read, and the copy of its
 * template (made on the admin pool).
 */
const CONNECTIONS_PER_JOB = 3;
/**
 * Connections left to others: the server session's idle connections (one kept per database, up to
 * 24), its admin pool (4), and a few for whoever else uses the server (a url provider's own users).
 */
const MARGIN = 36;

/**
 * How many cases run at once: `--jobs` when given, else two per core of this machine (a case's time
 * is split between migtest and the server's backend, both here: on 2 cores, 4 jobs ran the retry
 * cases of a 300-file set in half the time 2 did), in either case
 * no more than the server's connections leave room for (`max_connections`, less those open now and
 * a margin), and at least one. Read once per server: what runs at once never decides a verdict
 * (explore.ts writes each case's verdict into its own slot), it only decides how long a run takes.
 */
export function jobsFor(requested: number | undefined, connections: { max: number; used: number } | undefined, cores = availableParallelism()): number {
  const wanted = requested ?? 2 * cores;
  if (!connections) return Math.max(1, wanted);
  const room = Math.floor((connections.max - connections.used - MARGIN) / CONNECTIONS_PER_JOB);
  return Math.max(1, Math.min(wanted, room));
}

/** `jobsFor` on a server, reading its connections once (a server that cannot say: no bound). */
export async function serverJobs(requested: number | undefined, server: Server): Promise<number> {
  const connections = await server.connections?.().catch(() => undefined);
  return jobsFor(requested, connections);
}
