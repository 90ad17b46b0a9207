import type { ToolLint } from '../tool.js';

/** rerun-all has no tracker: lint treats every statement as one that runs again at each start. */
export const lint: ToolLint = {
  words: {
    wrap: 'a transaction',
    unit: 'file',
    alone: 'put it alone in a file of its own (a one-statement string runs outside a transaction block)',
    again: 'rerun-all runs every *.up.sql again at each start: nothing records what ran',
  },
  rules: [],
};
