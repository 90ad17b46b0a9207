import type { Tool } from '../tool.js';
import { parseGolangMigrate } from './format.js';
import { lint } from './lint.js';
import { golangMigrate as model } from './model.js';

/** golang-migrate (golang-migrate/migrate, postgres driver): numbered up/down files, one dirty version row. */
export const golangMigrate: Tool<'golang-migrate'> = {
  name: 'golang-migrate',
  parse: parseGolangMigrate,
  model,
  lint,
  docs: 'docs/runners/golang-migrate.md',
};
