import { InputError } from '../migrations/types.js';
import { rerunAll } from './rerun-all.js';
import { golangMigrate } from './golang-migrate.js';
import { cigogne } from './cigogne.js';
import { codd } from './codd.js';
import { dbmate } from './dbmate.js';
import type { RunnerModel } from './types.js';

export const RUNNERS: Record<string, RunnerModel> = {
  [rerunAll.name]: rerunAll,
  [golangMigrate.name]: golangMigrate,
  [cigogne.name]: cigogne,
  [codd.name]: codd,
  [dbmate.name]: dbmate,
};

export function runnerModel(name: string): RunnerModel {
  const model = RUNNERS[name];
  if (!model) {
    throw new InputError(
      `unknown runner model '${name}'`,
      undefined,
      undefined,
      undefined,
      `use one of: ${Object.keys(RUNNERS).join(', ')}`,
    );
  }
  return model;
}
