import fc from 'fast-check';
import { FORWARD, type Boundary, type Decide } from '../../faults/proxy/boundary.js';
import { compareStates } from '../compare.js';
import { explore } from '../explore.js';
import type { Finding } from '../types.js';
import { boundaryLabel, differenceFinding, placeOf, runFailure } from './findings.js';
import type { ToolRun } from './states.js';
import type { ToolCheck } from './types.js';

/*
 * `concurrent` on a real tool: N copies of the tool start at once on the same empty database, as
 * replicas of a service that migrate at boot. The interleaving is chosen by holding the first
 * replica in the proxy before its statement k until the others have finished, or have sent
 * nothing for QUIET_MS (they wait on a lock the held one has, or on the held one itself); every
 * replica must succeed, and the end state must equal a fresh run's.
 */

/** How long the other replicas may send nothing before the held statement goes on. */
const QUIET_MS = 400;

export const toolConcurrent: ToolCheck = {
  name: 'concurrent',
  async run(context) {
    const { states, files } = context;
    const { state: fresh, run: first } = await states.freshRun();
    const n = first.boundaries.length;
    if (n === 0) return { status: 'skip', cases: 0, findings: [], reason: 'the tool sent no statement through the proxy: there is nothing to interleave' };
    const replicas = context.options.replicas ?? 2;
    const reproduce = context.reproduce('concurrent', replicas !== 2 ? ['--replicas', String(replicas)] : []);

    const evaluate = async (k: number): Promise<Finding | null> => {
      const db = await states.server.createDatabase();
      try {
        const others: { seen: number; done: boolean }[] = Array.from({ length: replicas - 1 }, () => ({ seen: 0, done: false }));
        let held: Boundary | undefined;
        const holdAtK: Decide = (b) => {
          if (b.index !== k) return FORWARD;
          held = b;
          return new Promise((release) => {
            let last = -1;
            const tick = setInterval(() => {
              const seen = others.reduce((sum, o) => sum + o.seen, 0);
              if (others.every((o) => o.done) || seen === last) {
                clearInterval(tick);
                release(FORWARD);
              }
              last = seen;
            }, QUIET_MS);
          });
        };
        const count = (o: { seen: number }): Decide => () => {
          o.seen++;
          return FORWARD;
        };
        const runs: Promise<ToolRun>[] = [
          states.runTool(db, holdAtK),
          ...others.map((o) => states.runTool(db, count(o)).finally(() => (o.done = true))),
        ];
        const done = await Promise.all(runs);
        const label = held ? `replica 1 held before ${boundaryLabel(held)} while ${replicas - 1} other(s) ran` : `${replicas} replicas at once`;
        const failed = done.findIndex((r) => !r.ok);
        if (failed >= 0) {
          const finding = runFailure('concurrent', done[failed]!, files, reproduce, `${label}: replica ${failed + 1}`);
          return { ...finding, case: { boundary: k, replicas, held: held?.text ?? null } };
        }
        const comparison = await compareStates(states, db, fresh, { relaxed: true, trackers: true });
        if (comparison.equal) return null;
        return {
          ...differenceFinding('concurrent', `${label}: every replica succeeds, but they leave another state than one run`, comparison.diff, placeOf(files, held?.text), reproduce),
          case: { boundary: k, replicas, held: held?.text ?? null },
        };
      } finally {
        await states.drop(db);
      }
    };

    const all = Array.from({ length: n }, (_, i) => i + 1);
    return explore(context, { check: 'concurrent', all, arbitrary: fc.integer({ min: 1, max: n }), key: String, evaluate });
  },
};
