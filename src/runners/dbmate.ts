import { InputError } from '../migrations/types.js';
import type { RunnerModel } from './types.js';

export const dbmate: RunnerModel = {
  name: 'dbmate',
  format: 'dbmate',
  summary: 'dbmate (not implemented yet)',
  plan() {
    throw new InputError('the dbmate runner model is not implemented yet');
  },
  async run() {
    throw new InputError('the dbmate runner model is not implemented yet');
  },
};
