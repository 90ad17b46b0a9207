import { runFailure } from './findings.js';
import { ToolDoesNotApply } from './states.js';
import type { ToolCheck } from './types.js';

/** `fresh` on a real tool: it runs on an empty database and exits 0. */
export const toolFresh: ToolCheck = {
  name: 'fresh',
  async run(context) {
    try {
      await context.states.freshRun();
      return { status: 'pass', cases: 1, findings: [] };
    } catch (error) {
      if (!(error instanceof ToolDoesNotApply)) throw error;
      return { status: 'fail', cases: 1, findings: [runFailure('fresh', error.run, context.files, context.reproduce('fresh'))] };
    }
  },
};
