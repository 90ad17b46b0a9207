import type { ToolLint } from '../tool.js';
import { golangMigrateMultiStatement } from './golang-migrate-multi-statement.js';

const again = 'the version stays dirty, and after `migrate force` the next `migrate up` runs the whole file again';

export const lint: ToolLint = {
  words: {
    wrap: 'the transaction that transactions=true opens for the file and its version update',
    unit: 'file',
    alone: 'put it alone in a file of its own, and run that set without transactions=true (the proposal has no per-file opt-out)',
    again,
    noTxnRerun: `x-multi-statement sends each piece on its own: if a later piece fails, ${again}`,
  },
  rules: [golangMigrateMultiStatement],
  // The version update follows the file, but a dirty version whose file did commit is resolved
  // with `migrate force N`, which does not run the file again.
  recordsWith: () => () => true,
};
