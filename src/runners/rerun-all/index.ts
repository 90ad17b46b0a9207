import type { Tool } from '../tool.js';
import { parseRerunAll } from './format.js';
import { lint } from './lint.js';
import { rerunAll as model } from './model.js';

/** A boot-time runner that applies every `*.up.sql` at each start, with no tracker (certctl's). */
export const rerunAll: Tool<'rerun-all'> = {
  name: 'rerun-all',
  parse: parseRerunAll,
  model,
  lint,
  docs: 'docs/runners/rerun-all.md',
};
