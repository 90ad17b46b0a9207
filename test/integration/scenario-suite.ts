import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, migtest, ROOT } from '../helpers/cli.js';

// Every scenario runs once (`migtest run scenarios/<name> --format json`, as a person runs it), and
// that one run is checked twice: its findings are the ones the story predicts, and every reproduce
// command it printed, run as a person pastes it into a shell, gives its findings back. The
// scenarios are dealt out to several test files, so that vitest's workers take them in parallel.

export interface Finding {
  check: string;
  file: string | null;
  line: number | null;
  column: number | null;
  sqlstate: string | null;
  message: string;
  detail?: string | null;
  diff: { path: string; expected?: unknown; found?: unknown }[] | null;
  reproduce: string;
  case?: unknown;
}

export interface ScenarioReport {
  scenario: string;
  ok: boolean;
  sets: {
    set: string;
    ok: boolean;
    missing?: unknown[];
    unexpected?: string[];
    rejected?: string;
    report?: { ok: boolean; checks: { name: string; status: string; cases: number; findings: Finding[] }[] };
  }[];
}

export const SCENARIOS = readdirSync(new URL('../../scenarios', import.meta.url))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''))
  .sort();

/** Scenarios whose own test file runs them, asserting more on the same run: the parts leave them out. */
export const OWN_FILE: readonly string[] = ['volatile-seeds'];

/** How many files the other scenarios are dealt to (scenarios.test.ts and scenarios-<n>.test.ts). */
export const PARTS = 3;

interface ScenarioFile {
  checks: string[];
  properties?: { exhaustive?: boolean };
  sets: Record<string, { checks?: string[]; rejects?: unknown }>;
}

/**
 * A rough cost of a scenario, to deal them out evenly: a check of one case counts 1, resume and populated 2,
 * fault and retry 3 (6 with every case).
 */
function weight(name: string): number {
  const scenario = JSON.parse(readFileSync(new URL(`../../scenarios/${name}.json`, import.meta.url), 'utf8')) as ScenarioFile;
  const exhaustive = scenario.properties?.exhaustive === true;
  const cost = (check: string): number => (check === 'resume' || check === 'populated' ? 2 : check === 'fault' || check === 'retry' ? (exhaustive ? 6 : 3) : 1);
  return Object.values(scenario.sets).reduce((n, set) => n + (set.rejects ? 1 : (set.checks ?? scenario.checks).reduce((m, c) => m + cost(c), 0)), 0);
}

/** Part `index` (0-based) of the scenarios without a file of their own: heaviest first, each to the lightest part so far. */
export function part(index: number): string[] {
  const parts = Array.from({ length: PARTS }, () => ({ names: [] as string[], weight: 0 }));
  const dealt = SCENARIOS.filter((s) => !OWN_FILE.includes(s))
    .map((name) => ({ name, weight: weight(name) }))
    .sort((a, b) => b.weight - a.weight || (a.name < b.name ? -1 : 1));
  for (const { name, weight: w } of dealt) {
    const lightest = parts.reduce((min, p) => (p.weight < min.weight ? p : min));
    lightest.names.push(name);
    lightest.weight += w;
  }
  return parts[index]!.names.sort();
}

const runs = new Map<string, Promise<{ code: number | null; report: ScenarioReport }>>();

/** The one run of a scenario in this file. */
export function scenarioRun(name: string): Promise<{ code: number | null; report: ScenarioReport }> {
  let run = runs.get(name);
  if (!run) {
    run = migtest(['run', `scenarios/${name}`, '--format', 'json']).then((result) => {
      if (result.code === 2) throw new Error(`migtest run scenarios/${name}: ${result.stderr}`);
      return { code: result.code, report: JSON.parse(result.stdout) as ScenarioReport };
    });
    runs.set(name, run);
  }
  return run;
}

/**
 * What a finding is, for comparing a replay with the run that printed it: what and where, without
 * how the search got there (a sampled finding's message ends with the runs it took).
 */
function identity(f: Finding): string {
  const message = f.message
    .replace(/ \(seed \d+, path [^,]*, found after \d+ runs and shrunk\)$/, '')
    // codd's model names the scratch database a set's database maps to, made anew by every run
    // (src/runners/codd/): the same database, another name.
    .replace(/ \(on the server under test: [^)]*\)/, '');
  // Which lint rules confirm a finding depends on whether lint ran beside it, not on the finding.
  const { lint: _paired, ...rest } = (f.case ?? {}) as Record<string, unknown>;
  const kase = Object.keys(rest).length > 0 ? rest : null;
  return JSON.stringify([f.check, f.file, f.line, f.column, f.sqlstate, message, (f.diff ?? []).map((d) => d.path), kase]);
}

/** Runs a printed command in sh from the repository's root, with this build of migtest for `npx migtest`. */
function shell(command: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const line = command.replace(/(^|\s)npx migtest /, `$1${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} `);
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `${line} --format json`], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A scenario runs every check of every set it names, some with every case: on a loaded 2-core
 * machine the heaviest take over two minutes, so they get more than the suite's default.
 */
const SCENARIO_TIMEOUT_MS = 360_000;

/** The predictions and the reproduce commands of each of `names`, from one run of each. */
/**
 * Stories whose broken set only a check still being written can catch, with that check: their
 * scenario holds the fixed side until then. Remove the entry with the broken set.
 */
export function describeScenarios(names: readonly string[]): void {
  describe.each(names)('scenarios/%s', (name) => {
    it(`${name} gives the findings its story predicts`, async () => {
      const { code, report } = await scenarioRun(name);
      expect(report.scenario).toBe(name);
      for (const set of report.sets) {
        expect({ set: set.set, ok: set.ok, missing: set.missing ?? [], unexpected: set.unexpected ?? [] }).toEqual({
          set: set.set,
          ok: true,
          missing: [],
          unexpected: [],
        });
      }
      // Every story has its broken side: a set that gives findings, or one refused as bad input.
      expect(report.sets.map((s) => s.set)).toContain('broken');
      expect(code).toBe(0);
    }, SCENARIO_TIMEOUT_MS);

    it(`${name}: every printed command gives its findings back`, async () => {
      const { report } = await scenarioRun(name);
      const byCommand = new Map<string, Finding[]>();
      for (const set of report.sets) {
        for (const check of set.report?.checks ?? []) {
          for (const f of check.findings) {
            if (f.check === 'lint') continue; // lint findings reproduce with `migtest lint`, checked by its own tests
            byCommand.set(f.reproduce, [...(byCommand.get(f.reproduce) ?? []), f]);
          }
        }
      }
      for (const [command, findings] of byCommand) {
        const replay = await shell(command);
        expect(replay.code, `${command}\n${replay.stderr}`).toBe(1);
        const found = (JSON.parse(replay.stdout) as { checks: { findings: Finding[] }[] }).checks.flatMap((c) => c.findings).map(identity).sort();
        expect(found, command).toEqual(findings.map(identity).sort());
      }
    }, SCENARIO_TIMEOUT_MS);
  });
}
