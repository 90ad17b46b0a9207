import { InputError } from '../migrations/types.js';
import type { RunnerModel } from './types.js';

export const golangMigrate: RunnerModel = {
  name: 'golang-migrate',
  format: 'golang-migrate',
  summary: 'golang-migrate (not implemented yet)',
  plan() {
    throw new InputError('the golang-migrate runner model is not implemented yet');
  },
  async run() {
    throw new InputError('the golang-migrate runner model is not implemented yet');
  },
};
