import { dirname, resolve } from 'node:path';
import pc from 'picocolors';
import { loadScenario, type ExpectedFinding, type ExpectedNote, type Scenario } from '../config/scenario.js';
import type { Ignorable } from '../checks/expected.js';
import type { Finding, Note } from '../checks/types.js';
import { check, type Format } from './check.js';
import { describeError } from './errors.js';
import { displayReport, displayText } from '../report/paths.js';
import { InputError } from '../migrations/types.js';
import type { Limits } from '../postgres/limits.js';
import { wantsColor } from './color.js';

function matches(expected: ExpectedFinding, found: Finding): boolean {
  if (expected.check !== found.check) return false;
  if (expected.sqlstate !== undefined && expected.sqlstate !== found.sqlstate) return false;
  if (expected.file !== undefined && !(found.file ?? '').endsWith(expected.file)) return false;
  if (expected.line !== undefined && expected.line !== found.line) return false;
  if (expected.message !== undefined && !found.message.includes(expected.message)) return false;
  return true;
}

/** Pairs predictions with findings one to one; what is left over on either side is a miss. */
export function comparePrediction(expected: ExpectedFinding[], found: Finding[]): { missing: ExpectedFinding[]; unexpected: Finding[] } {
  const left = [...found];
  const missing: ExpectedFinding[] = [];
  for (const e of expected) {
    const i = left.findIndex((f) => matches(e, f));
    if (i >= 0) left.splice(i, 1);
    else missing.push(e);
  }
  return { missing, unexpected: left };
}

function notes(expected: ExpectedNote, found: Note): boolean {
  if (expected.check !== found.check) return false;
  if (expected.file !== undefined && !(found.file ?? '').endsWith(expected.file)) return false;
  return expected.message === undefined || found.message.includes(expected.message) || found.action.includes(expected.message);
}

/** As comparePrediction, for notes. */
export function compareNotes(expected: ExpectedNote[], found: Note[]): { missing: ExpectedNote[]; unexpected: Note[] } {
  const left = [...found];
  const missing: ExpectedNote[] = [];
  for (const e of expected) {
    const i = left.findIndex((n) => notes(e, n));
    if (i >= 0) left.splice(i, 1);
    else missing.push(e);
  }
  return { missing, unexpected: left };
}

function describeNote(e: ExpectedNote | Note): string {
  return [e.check, 'note', e.file, e.message && `"${e.message}"`].filter(Boolean).join(' ');
}

function describeExpected(e: ExpectedFinding): string {
  return [e.check, e.sqlstate, e.file && `${e.file}${e.line ? `:${e.line}` : ''}`, e.message && `"${e.message}"`].filter(Boolean).join(' ');
}

/** A finding no prediction matched; a grouped one says how many cases it stands for. */
function describeFound(f: Finding): string {
  const cases = (f.cases ?? 1) > 1 ? ` (${f.cases} cases)` : '';
  return `${f.check} ${f.sqlstate ?? ''} ${f.file ?? ''}:${f.line ?? ''} ${f.message}${cases}`;
}

/** Runs a set that must be refused, and compares the refusal with the prediction. */
async function expectRejection(
  run: () => Promise<unknown>,
  expected: { file?: string | undefined; line?: number | undefined; message?: string | undefined },
): Promise<{ ok: boolean; text: string }> {
  try {
    await run();
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    const text = describeError(error).replace(/^migtest: /, '');
    const ok =
      (expected.file === undefined || (error.file ?? '').endsWith(expected.file)) &&
      (expected.line === undefined || expected.line === error.line) &&
      (expected.message === undefined || displayText(error.message).includes(expected.message));
    return { ok, text };
  }
  return { ok: false, text: 'the set was accepted, and its checks ran' };
}

/** The retry policy of a set: its own, else the scenario's, else none given (the tool's default). */
function retryOf(scenario: { retry?: string | undefined }, set: { retry?: string | undefined }): { retry?: string } {
  const retry = set.retry ?? scenario.retry;
  return retry !== undefined ? { retry } : {};
}

/** Check `expected`'s folder and ignores for a set: its own, else the scenario's; folders relative to the scenario file. */
function expectedOf(scenario: Scenario, set: Scenario['sets'][string]): { expected?: string; ignore?: Ignorable[] } {
  const folder = set.expectedSchema ?? scenario.expectedSchema;
  const ignore = set.ignore ?? scenario.ignore;
  return {
    ...(folder !== undefined ? { expected: resolve(dirname(scenario.file), folder) } : {}),
    ...(ignore !== undefined ? { ignore } : {}),
  };
}

/** A scenario's real tool (`--tool`, `--tool-tracker`), when it runs one. */
function toolOf(scenario: Scenario): { tool?: string; toolTracker?: string[] } {
  return { ...(scenario.tool !== undefined ? { tool: scenario.tool } : {}), ...(scenario.toolTracker ? { toolTracker: scenario.toolTracker } : {}) };
}

/** A scenario's --setup and --verify files, relative to the scenario file. */
function setupOf(scenario: Scenario): { setup?: string[]; verify?: string[] } {
  const at = (files: string[]) => files.map((f) => resolve(dirname(scenario.file), f));
  return { ...(scenario.setup ? { setup: at(scenario.setup) } : {}), ...(scenario.verify ? { verify: at(scenario.verify) } : {}) };
}

/** Runs every set of a scenario and says whether each gave the findings the story predicts. */
export async function runScenario(arg: string, format: Format, settings: { limits?: Partial<Limits> } = {}): Promise<number> {
  const scenario = loadScenario(arg);
  const color = format === 'text' && wantsColor(process.stdout.isTTY);
  // A config's timeouts (a slow CI machine's): the scenario says everything else.
  const limits = settings.limits ? { limits: settings.limits } : {};
  const c = pc.createColors(color);
  let held = true;
  const results: unknown[] = [];
  if (format === 'text') process.stdout.write(`${c.bold(`scenario ${scenario.name}`)}: ${scenario.story}\n\n`);
  for (const [label, set] of Object.entries(scenario.sets)) {
    const dir = resolve(dirname(scenario.file), set.path);
    if (set.rejects) {
      const verdict = await expectRejection(() =>
        check(
          { dir, runner: scenario.runner ?? 'tool', ...toolOf(scenario), checks: set.checks ?? scenario.checks, postgres: scenario.postgres, provider: 'embedded', options: { ...scenario.properties, ...expectedOf(scenario, set) }, runnerOptions: { ...scenario.runnerOptions, ...set.runnerOptions }, ...retryOf(scenario, set), ...(scenario.role !== undefined ? { role: scenario.role } : {}), ...limits, ...setupOf(scenario) },
          { format: 'json', out: '/dev/null', annotate: false },
        ),
        set.rejects,
      );
      held &&= verdict.ok;
      results.push({ set: label, path: set.path, ok: verdict.ok, rejected: verdict.text });
      if (format === 'text') {
        process.stdout.write(`${verdict.ok ? c.green('✓ as predicted') : c.red('✗ not as predicted')} for ${label}: refused as bad input\n  ${verdict.text}\n\n`);
      }
      continue;
    }
    const { report: checked } = await check(
      {
        dir,
        runner: scenario.runner ?? 'tool',
        ...toolOf(scenario),
        checks: set.checks ?? scenario.checks,
        postgres: scenario.postgres,
        provider: 'embedded',
        options: { ...scenario.properties, ...expectedOf(scenario, set) },
        runnerOptions: { ...scenario.runnerOptions, ...set.runnerOptions },
        ...retryOf(scenario, set),
        ...(scenario.role !== undefined ? { role: scenario.role } : {}),
        ...limits,
        ...setupOf(scenario),
      },
      format === 'text' ? { format: 'text', annotate: false } : { format: 'json', out: '/dev/null', annotate: false },
    );
    // Compared and printed as the reader sees it: paths from the current directory.
    const report = displayReport(checked);
    const found = report.checks.flatMap((r) => r.findings);
    const { missing, unexpected } = comparePrediction(set.expect, found);
    // Notes are compared only where the scenario predicts them.
    const noted = set.notes ? compareNotes(set.notes, report.checks.flatMap((r) => r.notes ?? [])) : { missing: [], unexpected: [] };
    const ok = missing.length === 0 && unexpected.length === 0 && noted.missing.length === 0 && noted.unexpected.length === 0;
    held &&= ok;
    results.push({
      set: label,
      path: report.set,
      ok,
      missing: [...missing, ...noted.missing],
      unexpected: [...unexpected.map(describeFound), ...noted.unexpected.map(describeNote)],
      report,
    });
    if (format === 'text') {
      const predicted =
        (set.expect.length === 0 ? 'every check passes' : set.expect.map(describeExpected).join('; ')) +
        (set.notes && set.notes.length > 0 ? `; ${set.notes.map(describeNote).join('; ')}` : '');
      process.stdout.write(`${ok ? c.green('✓ as predicted') : c.red('✗ not as predicted')} for ${label}: ${predicted}\n`);
      for (const m of missing) process.stdout.write(`  missing: ${describeExpected(m)}\n`);
      for (const u of unexpected) process.stdout.write(`  unexpected: ${describeFound(u)}\n`);
      for (const m of noted.missing) process.stdout.write(`  missing: ${describeNote(m)}\n`);
      for (const u of noted.unexpected) process.stdout.write(`  unexpected: ${describeNote(u)}\n`);
      process.stdout.write('\n');
    }
  }
  if (format === 'json') process.stdout.write(JSON.stringify({ scenario: scenario.name, ok: held, sets: results }, null, 2) + '\n');
  else process.stdout.write(held ? c.green(c.bold('scenario holds\n')) : c.red(c.bold('scenario does not hold\n')));
  return held ? 0 : 1;
}
