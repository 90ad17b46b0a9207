import type { ToolLint } from '../tool.js';
import { settingsOf } from './settings.js';

const again = 'the next start of the service runs every file whose row is not in the tracker (with tracker=none: every file, at every start)';
const recordedApart =
  'with record=after-file the row is inserted only after the file committed, on its own: if the process dies in between, the next start of the service runs the file again';

/**
 * What lint needs of the files model: a file can run twice only where the runner leaves a gap
 * between the file and its row (record=after-file), or where it has no row at all (tracker=none,
 * which the plan's tracker says: every statement then runs at every start).
 */
export const lint: ToolLint = {
  words: {
    wrap: 'the BEGIN … COMMIT the runner puts around each file',
    unit: 'file',
    alone: 'put it alone in a file of its own (a one-statement string runs outside a transaction block), with transaction=none',
    again,
    noTxnRerun: recordedApart,
    recordedApart,
  },
  rules: [],
  // With record=with-file the row commits with the file's transaction: a file never runs twice.
  recordsWith(_set, runnerOptions) {
    const settings = settingsOf(runnerOptions);
    return () => settings.tracker !== null && settings.record === 'with-file';
  },
};
