import type { Tool } from '../tool.js';
import { parseCodd } from './format.js';
import { lint } from './lint.js';
import { codd as model } from './model.js';

/** codd (mzabani/codd): statements one by one, in-txn migrations grouped per connection, resumable no-txn ones. */
export const codd: Tool<'codd'> = {
  name: 'codd',
  parse: parseCodd,
  model,
  lint,
  docs: 'docs/runners/codd.md',
};
