import { InputError } from '../migrations/types.js';
import { cigogne } from './cigogne/index.js';
import { codd } from './codd/index.js';
import { dbmate } from './dbmate/index.js';
import { files } from './files/index.js';
import { golangMigrate } from './golang-migrate/index.js';
import { rerunAll } from './rerun-all/index.js';
import type { Tool } from './tool.js';
import type { RunnerModel } from './types.js';

/**
 * Every tool migtest models, in the order the command line and messages list them. A new tool
 * is a folder `src/runners/<name>/` and one line here (docs/runners/README.md).
 */
export const TOOLS = [rerunAll, golangMigrate, cigogne, codd, dbmate, files] as const;

/** The name of a tool: its runner model, its folder format, and `--runner`'s value. */
export type ToolName = (typeof TOOLS)[number]['name'];
/** A folder format: each tool reads its own. */
export type FormatName = ToolName;

/** The tools' names, spelled out so that an editor completes them in a config file. */
export const TOOL_NAMES = TOOLS.map((tool) => tool.name) as [ToolName, ...ToolName[]];

/** The runner model of each tool, by name. */
export const RUNNERS: Record<string, RunnerModel> = Object.fromEntries(TOOLS.map((tool) => [tool.name, tool.model]));

/** The tool named `name`, if migtest has it. */
export function toolNamed(name: string): Tool | undefined {
  return TOOLS.find((tool) => tool.name === name);
}

export function runnerModel(name: string): RunnerModel {
  const tool = toolNamed(name);
  if (!tool) {
    throw new InputError(`unknown runner model '${name}'`, undefined, undefined, undefined, `use one of: ${TOOL_NAMES.join(', ')}`);
  }
  return tool.model;
}
