import { InputError } from '../migrations/types.js';
import { fresh } from './fresh.js';
import { twice } from './twice.js';
import { resume } from './resume.js';
import { fault } from './fault.js';
import { lint } from './lint.js';
import { retry } from './retry.js';
import { expected } from './expected.js';
import { down } from './down.js';
import { concurrent } from './concurrent.js';
import { populated } from './populated.js';
import type { Check, CheckName } from './types.js';

export const CHECKS: Partial<Record<CheckName, Check>> = {
  fresh,
  twice,
  resume,
  fault,
  lint,
  retry,
  expected,
  down,
  concurrent,
  populated,
};

export const DEFAULT_CHECKS: CheckName[] = ['fresh', 'twice'];

export function parseChecks(list: string): CheckName[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new InputError('--checks names no check', undefined, undefined, undefined, `use e.g. --checks ${DEFAULT_CHECKS.join(',')}`);
  for (const name of names) {
    if (!(name in CHECKS)) {
      throw new InputError(`unknown check '${name}'`, undefined, undefined, undefined, `use one of: ${Object.keys(CHECKS).join(', ')}`);
    }
  }
  return [...new Set(names)] as CheckName[];
}

export function check(name: CheckName): Check {
  const found = CHECKS[name];
  if (!found) throw new InputError(`unknown check '${name}'`);
  return found;
}
