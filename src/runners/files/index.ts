import type { Tool } from '../tool.js';
import { parseFiles } from './format.js';
import { lint } from './lint.js';
import { files as model } from './model.js';

/** A home-grown boot runner (a Go or Node service's own): every `*.up.sql` in name order, with the tracker, lock and transactions its options say. */
export const files: Tool<'files'> = {
  name: 'files',
  parse: parseFiles,
  model,
  lint,
  docs: 'docs/runners/files.md',
};
