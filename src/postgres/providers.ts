import { InputError } from '../migrations/types.js';
import { checkImageVersions, container, DEFAULT_IMAGE } from './container.js';
import { DEFAULT_MAJOR, embedded } from './embedded.js';
import type { Provider, StartOptions } from './types.js';
import { url } from './url.js';

export const PROVIDERS: Record<string, Provider> = { embedded, container, url };

/** Where the servers of a run come from: the provider and its own settings. */
export interface ProviderRequest {
  provider: string;
  /** `--image`, for `container` (`{pg}` stands for each version). */
  image?: string;
  /** `--url`, for `url`; absent: DATABASE_URL. */
  url?: string;
}

export function provider(name: string): Provider {
  const found = PROVIDERS[name];
  if (!found) {
    throw new InputError(`unknown provider '${name}'`, undefined, undefined, undefined, `use one of: ${Object.keys(PROVIDERS).join(', ')}`);
  }
  return found;
}

/**
 * The servers a run starts, one per entry, checked before the first one starts. `majors` is what
 * `--pg` asked for; empty means the provider's default: 17 embedded, the image's own version for an
 * image without `{pg}`, the server's own for a url.
 */
export function serverStarts(request: ProviderRequest, majors: number[]): { provider: Provider; starts: StartOptions[] } {
  const chosen = provider(request.provider);
  if (request.image !== undefined && request.provider !== 'container') {
    throw new InputError(`--image is for --provider container, not ${request.provider}`);
  }
  if (request.url !== undefined && request.provider !== 'url') {
    throw new InputError(`--url is for --provider url, not ${request.provider}`);
  }
  let starts: StartOptions[];
  if (request.provider === 'container') {
    const image = request.image ?? DEFAULT_IMAGE;
    checkImageVersions(image, majors);
    const versions = majors.length > 0 ? majors : image.includes('{pg}') ? [DEFAULT_MAJOR] : [undefined];
    starts = versions.map((major) => ({ image, ...(major !== undefined ? { major } : {}) }));
  } else if (request.provider === 'url') {
    if (majors.length > 1) {
      throw new InputError(`--provider url is one server, but --pg asks for ${majors.length} versions (${majors.join(',')})`, undefined, undefined, undefined, 'give one --pg version (the server\'s), or none');
    }
    starts = [{ ...(request.url !== undefined ? { url: request.url } : {}), ...(majors[0] !== undefined ? { major: majors[0] } : {}) }];
  } else {
    starts = (majors.length > 0 ? majors : [DEFAULT_MAJOR]).map((major) => ({ major }));
  }
  for (const start of starts) chosen.check?.(start);
  return { provider: chosen, starts };
}
