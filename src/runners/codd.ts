import { InputError } from '../migrations/types.js';
import type { RunnerModel } from './types.js';

export const codd: RunnerModel = {
  name: 'codd',
  format: 'codd',
  summary: 'codd (not implemented yet)',
  plan() {
    throw new InputError('the codd runner model is not implemented yet');
  },
  async run() {
    throw new InputError('the codd runner model is not implemented yet');
  },
};
