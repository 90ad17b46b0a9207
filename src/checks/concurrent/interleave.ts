import type pg from 'pg';
import type { Trace } from '../../runners/types.js';
import { Replica } from './gate.js';
import { pick, type Candidate, type Step } from './schedule.js';

/*
 * Runs replicas side by side, one decision at a time. A decision is taken only when nothing moves
 * by itself: every replica waits at the gate, has ended, or has a message with the server that
 * waits on a lock another session holds (`pg_blocking_pids`) or is held at its commit. A message
 * that runs is waited for, however long it takes: the interleaving depends on the choices alone,
 * never on timing, so the same choices give the same run.
 */

/** How often the server is asked where the replicas' messages are, while one runs. */
const POLL_MS = 1;
/** How long a message just sent or let go gets to be answered before the server is asked where it is. */
const FIRST_ANSWER_MS = 2;

export interface Interleaving {
  steps: Step[];
  /** How many steps had two or more replicas to choose from: the choices used. */
  decisions: number;
  /** The replicas in the order their runs ended: a finding names the first that failed. */
  ended: number[];
  /** Each replica's run, or what stopped it from running (an error of migtest's, not of the set). */
  runs: (Trace | Error)[];
  /** Replicas whose message waited with nothing left to move it: cancelled, with what they waited for. */
  stuck: { replica: number; message: string; blockers: number[] }[];
}

interface Activity {
  pid: number;
  syncRep: boolean;
  xid: string | null;
  blockers: number[];
}

async function activity(monitor: pg.Client, pids: number[]): Promise<Map<number, Activity>> {
  const { rows } = await monitor.query<{ pid: number; sync_rep: boolean; xid: string | null; blockers: number[] }>(
    `SELECT pid, wait_event IS NOT DISTINCT FROM 'SyncRep' AS sync_rep, backend_xid::text AS xid, pg_catalog.pg_blocking_pids(pid) AS blockers
       FROM pg_catalog.pg_stat_activity WHERE pid = ANY($1::int[])`,
    [pids],
  );
  return new Map(rows.map((r) => [r.pid, { pid: r.pid, syncRep: r.sync_rep, xid: r.xid, blockers: r.blockers }]));
}

interface HeldCandidate extends Candidate {
  key?: string;
}

export interface InterleaveOptions {
  replicas: number;
  /** Starts replica `replica`'s run; its connections must wait at the replica's gate. */
  start(replica: Replica): Promise<Trace>;
  /** A session of the check's own (superuser) that reads pg_stat_activity and cancels. */
  monitor: pg.Client;
  choices: readonly number[];
  /** How long replicas may all wait on locks with nothing moving before they are declared stuck. */
  stuckMs: number;
}

export async function interleave(options: InterleaveOptions): Promise<Interleaving> {
  const { monitor, choices } = options;
  let version = 0;
  let wake: (() => void) | undefined;
  const changed = (): void => {
    version++;
    const w = wake;
    wake = undefined;
    w?.();
  };
  /** Resolves at once when a replica's phase changed since `seen`, else at the next change, or after `ms`. */
  const settle = (ms: number, seen = version): Promise<void> =>
    new Promise((resolve) => {
      if (version !== seen) return resolve();
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const replicas = Array.from({ length: options.replicas }, (_, i) => new Replica(i, changed));
  const ended: number[] = [];
  const runs = replicas.map((r) =>
    options.start(r).then(
      (trace) => {
        ended.push(r.index);
        r.set('done');
        return trace as Trace | Error;
      },
      (error: unknown) => {
        ended.push(r.index);
        r.set('done');
        return error instanceof Error ? error : new Error(String(error));
      },
    ),
  );
  const steps: Step[] = [];
  const stuck: Interleaving['stuck'] = [];
  /** Held commits already let go: `pid:xid`, so that one still leaving SyncRep is not offered again. */
  const letGo = new Set<string>();
  let last: number | undefined;
  let decisions = 0;

  for (;;) {
    if (replicas.every((r) => r.phase === 'done')) break;
    const seen = version;
    if (replicas.some((r) => r.phase === 'busy')) {
      await settle(POLL_MS, seen);
      continue;
    }
    const sent = replicas.filter((r) => r.phase === 'sent');
    const rows = sent.length > 0 ? await activity(monitor, sent.map((r) => r.pid!)) : new Map<number, Activity>();
    if (version !== seen) continue;
    const held: HeldCandidate[] = [];
    const blocked: Replica[] = [];
    let running = false;
    for (const r of sent) {
      const row = rows.get(r.pid!);
      const key = row?.xid ? `${r.pid}:${row.xid}` : undefined;
      if (row?.syncRep && key && !letGo.has(key)) held.push({ replica: r.index, action: 'commit', key });
      else if (row && row.blockers.length > 0) blocked.push(r);
      else running = true;
    }
    if (running) {
      await settle(POLL_MS, seen);
      continue;
    }
    const candidates: HeldCandidate[] = [
      ...replicas.filter((r) => r.phase === 'ready').map((r): HeldCandidate => ({ replica: r.index, action: 'send' })),
      ...held,
    ].sort((a, b) => a.replica - b.replica);
    if (candidates.length === 0 && blocked.length === 0) {
      await settle(POLL_MS, seen);
      continue;
    }
    if (candidates.length === 0) {
      // Every replica waits on a lock: the server's deadlock detector ends a cycle by itself
      // (40P01); anything else waits forever, and is cancelled to end the case.
      const deadline = Date.now() + options.stuckMs;
      let moved = false;
      while (Date.now() < deadline && !moved) {
        await settle(20);
        if (version !== seen) moved = true;
        else {
          const now = await activity(monitor, blocked.map((r) => r.pid!));
          moved = blocked.some((r) => (now.get(r.pid!)?.blockers.length ?? 0) === 0);
        }
      }
      if (moved) continue;
      for (const r of blocked) {
        stuck.push({ replica: r.index, message: r.message, blockers: rows.get(r.pid!)?.blockers ?? [] });
        await monitor.query('SELECT pg_catalog.pg_cancel_backend($1)', [r.pid]);
      }
      // Each cancelled message ends with 57014; wait for that before the next decision, and end
      // the sessions of messages that a cancel does not reach.
      const cancelled = Date.now();
      while (version === seen) {
        await settle(50);
        if (version === seen && Date.now() - cancelled > options.stuckMs) {
          for (const r of blocked) await monitor.query('SELECT pg_catalog.pg_terminate_backend($1)', [r.pid]);
        }
      }
      continue;
    }
    // Only a choice between two or more is a decision: the choices name decisions, not steps.
    const chosen = candidates.length === 1 ? candidates[0]! : pick(candidates, last, choices[decisions++]);
    const replica = replicas[chosen.replica]!;
    steps.push({ replica: chosen.replica, action: chosen.action, message: replica.message });
    last = chosen.replica;
    const before = version;
    if (chosen.action === 'send') replica.release();
    else {
      letGo.add(chosen.key!);
      await monitor.query('SELECT pg_catalog.pg_cancel_backend($1)', [replica.pid]);
    }
    // Most messages are answered at once: no need to ask the server where they are.
    await settle(FIRST_ANSWER_MS, before + (chosen.action === 'send' ? 1 : 0));
  }
  for (const r of replicas) r.open = false;
  const done = await Promise.all(runs);
  return { steps, decisions, runs: done, ended, stuck };
}
