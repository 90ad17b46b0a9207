import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, migtest, ROOT } from '../helpers/cli.js';

// Every reproduce command a scenario prints, run as a person pastes it into a shell, gives the
// findings that printed it back.

interface Finding {
  check: string;
  file: string | null;
  line: number | null;
  column: number | null;
  sqlstate: string | null;
  message: string;
  diff: { path: string }[] | null;
  reproduce: string;
  case?: unknown;
}

interface ScenarioReport {
  sets: { set: string; report?: { checks: { name: string; findings: Finding[] }[] } }[];
}

const SCENARIOS = readdirSync(new URL('../../scenarios', import.meta.url))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''));

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

describe('reproduce commands', () => {
  it.each(SCENARIOS)('%s: every printed command gives its findings back', async (name) => {
    const result = await migtest(['run', `scenarios/${name}`, '--format', 'json']);
    const scenario = JSON.parse(result.stdout) as ScenarioReport;
    const byCommand = new Map<string, Finding[]>();
    for (const set of scenario.sets) {
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
      const report = JSON.parse(replay.stdout) as { checks: { findings: Finding[] }[] };
      const found = report.checks.flatMap((c) => c.findings).map(identity).sort();
      expect(found, command).toEqual(findings.map(identity).sort());
    }
  }, 900_000);
});
