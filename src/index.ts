import { runChecks as runInCore, type RunEvents, type RunRequest } from './run.js';
import type { RunReport } from './checks/types.js';
import { displayReport } from './report/paths.js';

export type { RunRequest, RunEvents, RunReport };
export { displayPath, displayReport } from './report/paths.js';

/** Runs the checks of a request: the report as `--format json` prints it, paths shown from the current directory. */
export async function runChecks(request: RunRequest, events?: RunEvents): Promise<RunReport> {
  return displayReport(await runInCore(request, events));
}
export { defineConfig, configRequest, type MigtestConfig, type MigtestConfigInput, type RunnerName } from './config/define.js';
export { loadSet } from './migrations/load.js';
export { startEmbedded } from './postgres/embedded.js';
export { startContainer } from './postgres/container.js';
export { startUrl } from './postgres/url.js';
export { takeSnapshot } from './snapshot/snapshot.js';
export { diffSnapshots } from './snapshot/diff.js';
export { writeObjects, readObjects, objectFile } from './snapshot/files.js';
export { RUNNERS, TOOLS, TOOL_NAMES, runnerModel, toolNamed, type FormatName, type ToolName } from './runners/registry.js';
export type { Tool, ToolLint, RunnerWords } from './runners/tool.js';
export { CHECKS } from './checks/index.js';
export type * from './migrations/types.js';
export type * from './runners/types.js';
export type * from './snapshot/types.js';
export type * from './checks/types.js';
export type { Server, DatabaseHandle, Provider, StartOptions } from './postgres/types.js';
export { populate, type PopulateOptions } from './data/populate.js';
export type { PopulateReport, Filled, Unfilled } from './data/types.js';
