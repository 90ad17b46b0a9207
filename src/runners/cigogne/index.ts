import type { Tool } from '../tool.js';
import { parseCigogne } from './format.js';
import { lint } from './lint.js';
import { cigogne as model } from './model.js';

/** cigogne (Gleam): every pending transactional migration in one transaction; `_migrations` with sha256. */
export const cigogne: Tool<'cigogne'> = {
  name: 'cigogne',
  parse: parseCigogne,
  model,
  lint,
  docs: 'docs/runners/cigogne.md',
};
