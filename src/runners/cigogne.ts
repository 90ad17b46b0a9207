import { InputError } from '../migrations/types.js';
import type { RunnerModel } from './types.js';

export const cigogne: RunnerModel = {
  name: 'cigogne',
  format: 'cigogne',
  summary: 'cigogne (not implemented yet)',
  plan() {
    throw new InputError('the cigogne runner model is not implemented yet');
  },
  async run() {
    throw new InputError('the cigogne runner model is not implemented yet');
  },
};
