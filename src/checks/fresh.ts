import { errorFinding } from './findings.js';
import type { Check } from './types.js';

/** The whole plan applies to an empty database. */
export const fresh: Check = {
  name: 'fresh',
  summary: 'the whole plan applies to an empty database',
  async run(context) {
    const state = await context.states.fresh();
    const failure = state.trace.failure;
    if (!failure) return { status: 'pass', cases: 1, findings: [] };
    return { status: 'fail', cases: 1, findings: [errorFinding('fresh', failure, context.reproduce('fresh'))] };
  },
};
