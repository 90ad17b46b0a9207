import { InputError } from '../migrations/types.js';
import type { CheckOptions } from './types.js';

/*
 * The property-based checks' options, refused before any server starts where they would be
 * ignored, rounded or vacuous: a run that passes because it tried nothing is not a pass.
 */

/** fast-check's counterexample path: case indexes joined by colons, as a finding prints it. */
const PATH = /^\d+(:\d+)*$/;

/** Refuses options that a command line, a config or a scenario gave but that cannot mean what they say. */
export function validateCheckOptions(options: CheckOptions, checks: readonly string[] = []): void {
  const { seed, runs, path } = options;
  if (options.direction === 'down') {
    if (!checks.includes('fault') && !checks.includes('resume')) {
      throw new InputError('--direction down applies to checks fault and resume, and neither is asked for', undefined, undefined, undefined, 'add fault or resume to --checks (check down runs the down sections by itself)');
    }
    if (checks.includes('fault') && options.faults?.includes('crash')) {
      throw new InputError('--direction down injects error and terminate faults, not crash', undefined, undefined, undefined, 'leave crash out of --faults with --direction down');
    }
  }
  if (seed !== undefined && !Number.isSafeInteger(seed)) {
    throw new InputError(
      `--seed ${seed} is not a whole number migtest can hold exactly (at most ${Number.MAX_SAFE_INTEGER})`,
      undefined,
      undefined,
      undefined,
      'give the seed a finding printed, or any whole number up to 2^53-1',
    );
  }
  if (runs !== undefined && (!Number.isSafeInteger(runs) || runs < 1)) {
    throw new InputError(`--runs ${runs}: a check that samples no case would pass having tried nothing`, undefined, undefined, undefined, 'give --runs 1 or more (the default samples up to 25 cases)');
  }
  const replicas = options.replicas;
  if (replicas !== undefined && (!Number.isSafeInteger(replicas) || replicas < 2)) {
    throw new InputError(`--replicas ${replicas}: check concurrent needs at least two replicas to run at the same moment`, undefined, undefined, undefined, 'give --replicas 2 or more (default 2)');
  }
  const rows = options.rows;
  if (rows !== undefined && (!Number.isSafeInteger(rows) || rows < 1)) {
    throw new InputError(`--rows ${rows}: check populated would put no row in a table and pass having tried nothing`, undefined, undefined, undefined, 'give --rows 1 or more (default 5 a table)');
  }
  if (path === undefined) return;
  if (!PATH.test(path)) {
    throw new InputError(`--path '${path}' is not a case path`, undefined, undefined, undefined, "copy --path from a finding's reproduce command: whole numbers joined by colons, e.g. --path 3:0:1");
  }
  if (seed === undefined) {
    throw new InputError('--path replays one case of one seed, and no --seed was given', undefined, undefined, undefined, "give the --seed of the finding's reproduce command with its --path");
  }
  if (options.exhaustive) {
    throw new InputError('--path replays one sampled case, and --exhaustive samples none', undefined, undefined, undefined, 'leave out --exhaustive when you give --path');
  }
}
