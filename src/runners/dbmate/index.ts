import type { Tool } from '../tool.js';
import { parseDbmate } from './format.js';
import { lint } from './lint.js';
import { dbmate as model } from './model.js';

/** dbmate: `-- migrate:up` / `-- migrate:down` sections, each up section one string in its own transaction. */
export const dbmate: Tool<'dbmate'> = {
  name: 'dbmate',
  parse: parseDbmate,
  model,
  lint,
  docs: 'docs/runners/dbmate.md',
};
