import { checkResult } from '../result.js';
import { toolPopulated } from './populated.js';
import { resolve } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { InputError } from '../../migrations/types.js';
import { serverStarts, type ProviderRequest } from '../../postgres/providers.js';
import { DEFAULT_LIMITS, type Limits } from '../../postgres/limits.js';
import type { Server } from '../../postgres/types.js';
import { exhausted } from '../../postgres/exhausted.js';
import { VERSION } from '../../version.js';
import type { CheckName, CheckOptions, CheckOutcome, CheckResult, RunReport } from '../types.js';
import { readSetFiles } from './locate.js';
import { initParser } from '../../migrations/split.js';
import { reproduceTool } from './reproduce.js';
import { outputTail, ToolDoesNotApply, ToolStates } from './states.js';
import { runFailure } from './findings.js';
import { toolFresh } from './fresh.js';
import { toolTwice } from './twice.js';
import { toolFault, toolResume } from './fault.js';
import { toolConcurrent } from './concurrent.js';
import type { ToolCheck } from './types.js';

/*
 * `migtest check <dir> --tool "<command line>"`: the checks run the real tool, unchanged, through
 * the wire proxy, instead of a runner model. The set's folder is where findings are located.
 */

export const TOOL_CHECKS: readonly ToolCheck[] = [toolFresh, toolTwice, toolFault, toolResume, toolConcurrent, toolPopulated];

/** Why a check has no meaning for a real tool run through the proxy. */
const NOT_FOR_TOOLS: Partial<Record<CheckName, string>> = {
  lint: 'lint reads the set under a runner model; with --tool the set is the tool\'s and migtest only sees its statements',
  expected: 'expected compares with files a runner model\'s snapshot wrote: run `migtest snapshot` with the set\'s runner model',
  down: 'down needs the tool\'s rollback command: run it as a --tool of its own',
  retry: 'retry injects transient errors under a retry policy of a runner model; a real tool retries (or not) by itself, which fault shows',
};

export interface ToolRequest extends ProviderRequest {
  dir: string;
  tool: string;
  toolTracker?: string[];
  checks: CheckName[];
  postgres: number[];
  server?: Server;
  options: CheckOptions;
  limits?: Partial<Limits>;
  /** Settings of a model's runs that a real tool's run does not take (yet): refused rather than ignored. */
  setup?: string[];
  verify?: string[];
  role?: string;
  retry?: string;
  changedSince?: string;
  runnerOptions?: Record<string, string>;
  /** `--jobs`: cases run at once, as for a model's run. */
  jobs?: number;
}

/** Options of a model's run that would be silently ignored with --tool: a run that ignores what it was asked is no pass. */
function refuseModelOptions(request: ToolRequest): void {
  const given = [
    ['--setup', request.setup?.length],
    ['--verify', request.verify?.length],
    ['--role', request.role !== undefined],
    ['--retry', request.retry !== undefined],
    ['--changed-since', request.changedSince !== undefined],
    ['--runner-option', Object.keys(request.runnerOptions ?? {}).length],
    ['--direction down', request.options.direction === 'down'],
    ['--shard', request.options.shard !== undefined && request.options.shard.count > 1],
  ].filter(([, value]) => Boolean(value));
  if (given.length > 0) {
    const names = given.map(([name]) => name).join(', ');
    throw new InputError(`${names} ${given.length > 1 ? 'are' : 'is'} not taken with --tool yet: the real tool runs as its command line says`, undefined, undefined, undefined, `leave ${names} out, or check the set under its runner model with --runner`);
  }
}

export interface ToolEvents {
  onLoaded?(info: { set: string; runner: string; migrations: number }): void;
  onServer?(info: { provider: string; version: string; startMs: number }): void;
  onCheckStart?(name: CheckName, postgres: string): void;
  onProgress?(name: CheckName, done: number, total: number, unit?: 'cases' | 'draws'): void;
  onCheckEnd?(result: CheckResult): void;
}

export async function runToolChecks(request: ToolRequest, events: ToolEvents = {}): Promise<RunReport> {
  refuseModelOptions(request);
  const dir = resolve(request.dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`no migration folder ${request.dir}`, undefined, undefined, undefined, 'give the folder of the set the tool applies');
  if (request.tool.trim() === '') throw new InputError('--tool needs a command line', undefined, undefined, undefined, 'e.g. --tool "my-migrate --url {url} --dir {dir} up" (see docs/tools.md)');
  const files = readSetFiles(dir);
  await initParser(); // to find which statement of a string sent whole an error stopped at
  const servers = request.server
    ? { starts: [{}], start: () => Promise.resolve(request.server!), release: () => Promise.resolve() }
    : (() => {
        const { provider, starts } = serverStarts(request, request.postgres);
        return { starts, start: (s: object) => provider.start({ ...s, ...(request.limits ? { limits: request.limits } : {}) }), release: (server: Server) => server.stop() };
      })();
  const report: RunReport = { ok: true, tool: 'migtest', version: VERSION, set: dir, runner: 'tool', postgres: [], checks: [] };
  events.onLoaded?.({ set: dir, runner: `tool: ${request.tool}`, migrations: files.length });
  const timeoutMs = request.limits?.caseMs ?? DEFAULT_LIMITS.caseMs;
  let provider: string | undefined;
  try {
    for (const start of servers.starts) {
      const began = Date.now();
      const server = await servers.start(start);
      provider = server.provider;
      const states = new ToolStates(server, { command: request.tool, dir, timeoutMs }, request.toolTracker ?? [], request.jobs);
      try {
        report.postgres.push(server.version);
        events.onServer?.({ provider: server.provider, version: server.version, startMs: Date.now() - began });
        for (const name of request.checks) {
          events.onCheckStart?.(name, String(server.major));
          const begun = performance.now();
          const reproduce = (check: CheckName, extra?: string[]): string => reproduceTool({ ...request, dir }, check, server.major, extra);
          const outcome = await runOne(name, {
            states,
            files,
            options: request.options,
            reproduce,
            progress: (done, total) => events.onProgress?.(name, done, total, request.options.exhaustive ? 'cases' : 'draws'),
          });
          const result: CheckResult = checkResult(name, server.major, outcome, begun);
          if (result.status === 'fail') report.ok = false;
          report.checks.push(result);
          events.onCheckEnd?.(result);
        }
      } finally {
        await states.close();
        await servers.release(server);
      }
    }
  } catch (error) {
    throw exhausted(error, provider) ?? error;
  }
  return report;
}

async function runOne(name: CheckName, context: Parameters<ToolCheck['run']>[0]): Promise<CheckOutcome> {
  const check = TOOL_CHECKS.find((c) => c.name === name);
  if (!check) return { status: 'skip', cases: 0, findings: [], reason: NOT_FOR_TOOLS[name] ?? `${name} does not run on a real tool` };
  try {
    return await check.run(context);
  } catch (error) {
    // A check that starts from the tool's fresh state cannot run when the tool fails on an empty database: a failure, never a skip.
    if (!(error instanceof ToolDoesNotApply)) throw error;
    const finding = runFailure(name, error.run, context.files, context.reproduce(name), `the tool's first run fails, so ${name} cannot run`);
    return { status: 'fail', cases: 0, findings: [finding], reason: `cannot run: the tool fails on an empty database (${outputTail(error.run.result, 1)})` };
  }
}
