import { compareStates } from '../compare.js';
import { boundaryLabel, differenceFinding, placeOf, runFailure } from './findings.js';
import type { ToolCheck } from './types.js';

/**
 * `twice` on a real tool: run again on what its first run left, it succeeds and changes nothing,
 * schema, data or tracker. A tool with a tracker has nothing to do; one that runs every file at
 * every start must find them all harmless.
 */
export const toolTwice: ToolCheck = {
  name: 'twice',
  async run(context) {
    const { states, files } = context;
    const reproduce = context.reproduce('twice');
    const { state } = await states.freshRun();
    const db = await states.copy(state);
    try {
      const run = await states.runTool(db);
      if (!run.ok) return { status: 'fail', cases: 1, findings: [runFailure('twice', run, files, reproduce, 'run a second time')] };
      const comparison = await compareStates(states, db, state, { relaxed: false, trackers: true });
      if (comparison.equal) return { status: 'pass', cases: 1, findings: [] };
      // The second run's statements are the suspects: the first one found in the files is where the finding points.
      const suspects = run.boundaries.map((b) => placeOf(files, b.text)).filter((p) => p.file !== null);
      const finding = differenceFinding(
        'twice',
        'run a second time, the tool succeeds but leaves another state than its first run',
        comparison.diff,
        suspects[0] ?? placeOf(files, undefined),
        reproduce,
      );
      finding.detail = `the second run sent ${run.boundaries.length} statement(s)${run.boundaries.length > 0 ? `: ${run.boundaries.slice(0, 5).map(boundaryLabel).join('; ')}` : ''}`;
      return { status: 'fail', cases: 1, findings: [finding] };
    } finally {
      await states.drop(db);
    }
  },
};
