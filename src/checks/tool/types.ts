import type { CheckName, CheckOptions, CheckOutcome } from '../types.js';
import type { SetFile } from './locate.js';
import type { ToolStates } from './states.js';

/** What a check of a real tool gets: the tool's states on one server, the set's files, and the run's options. */
export interface ToolContext {
  states: ToolStates;
  files: SetFile[];
  options: CheckOptions;
  /** The command line that reproduces one check (`extra`: e.g. `--seed 1 --path 0:1`). */
  reproduce(check: CheckName, extra?: string[]): string;
  progress?(done: number, total: number): void;
}

export interface ToolCheck {
  name: CheckName;
  run(context: ToolContext): Promise<CheckOutcome>;
}
