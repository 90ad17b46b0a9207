import { InputError } from '../migrations/types.js';
import { embedded } from './embedded.js';
import type { Provider } from './types.js';

export const PROVIDERS: Record<string, Provider> = { embedded };

export function provider(name: string): Provider {
  const found = PROVIDERS[name];
  if (!found) {
    throw new InputError(`unknown provider '${name}'`, undefined, undefined, undefined, `use one of: ${Object.keys(PROVIDERS).join(', ')}`);
  }
  return found;
}
