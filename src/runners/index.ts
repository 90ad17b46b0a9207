import { InputError } from '../migrations/types.js';
import { rerunAll } from './rerun-all.js';
import type { RunnerModel } from './types.js';

export const RUNNERS: Record<string, RunnerModel> = {
  [rerunAll.name]: rerunAll,
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
