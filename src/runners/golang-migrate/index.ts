import type { Tool } from '../tool.js';
import { parseGolangMigrate } from './format.js';
import { lint } from './lint.js';
import { golangMigrate as upModel } from './model.js';
import { downFileBlock, downRecoveries, downRunsAgain, stepDown } from './down.js';

/** The model with its rollback (`migrate down 1`), which reuses the model's way of sending a file. */
const model = { ...upModel, down: { command: 'migrate down 1', step: stepDown, block: downFileBlock, recoveries: downRecoveries, runsAgain: downRunsAgain } };

/** golang-migrate (golang-migrate/migrate, postgres driver): numbered up/down files, one dirty version row. */
export const golangMigrate: Tool<'golang-migrate'> = {
  name: 'golang-migrate',
  parse: parseGolangMigrate,
  model,
  lint,
  docs: 'docs/runners/golang-migrate.md',
};
