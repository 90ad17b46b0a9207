import { errorFinding } from './findings.js';
import type { Check } from './types.js';
import { verifyFinding } from './verify.js';

/** The whole plan applies to an empty database, and the --verify statements hold on what it leaves. */
export const fresh: Check = {
  name: 'fresh',
  summary: 'the whole plan applies to an empty database',
  async run(context) {
    const state = await context.states.fresh();
    const failure = state.trace.failure;
    const reproduce = context.reproduce('fresh');
    if (failure) return { status: 'fail', cases: 1, findings: [errorFinding('fresh', failure, reproduce)] };
    const unverified = await context.states.verifyKept(state);
    if (unverified.length === 0) return { status: 'pass', cases: 1, findings: [] };
    return { status: 'fail', cases: 1, findings: unverified.map((f) => verifyFinding('fresh', f, 'the fresh state', reproduce)) };
  },
};
