import { resolve } from 'node:path';
import { argumentIn, shellWord } from '../paths.js';
import { urlWithoutPassword } from '../../postgres/url.js';
import type { CheckName, CheckOptions } from '../types.js';

/** What a reproduce command repeats of a `--tool` request. */
export interface ToolReproducible {
  dir: string;
  tool: string;
  toolTracker?: string[];
  provider: string;
  image?: string;
  url?: string;
  options: Pick<CheckOptions, 'exhaustive' | 'seed' | 'runs' | 'toolFaults'>;
}

/** The command line that reproduces one check of a real tool's run (never with a password). */
export function reproduceTool(request: ToolReproducible, check: CheckName, major: number, extra: string[] = []): string {
  const parts = ['npx migtest check', argumentIn(resolve(request.dir)), '--tool', shellWord(request.tool)];
  for (const table of request.toolTracker ?? []) parts.push('--tool-tracker', shellWord(table));
  parts.push('--checks', check, '--pg', String(major));
  if (request.provider !== 'embedded') parts.push('--provider', request.provider);
  if (request.image !== undefined) parts.push('--image', shellWord(request.image));
  if (request.url !== undefined) parts.push('--url', shellWord(urlWithoutPassword(request.url)));
  if (request.options.exhaustive) parts.push('--exhaustive');
  if (request.options.seed !== undefined && !extra.includes('--seed')) parts.push('--seed', String(request.options.seed));
  if (request.options.runs !== undefined) parts.push('--runs', String(request.options.runs));
  return [...parts, ...extra].join(' ');
}
