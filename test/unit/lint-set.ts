// Shared by the lint unit tests: a migration set built in memory (no files), linted under a runner.
import { expect, it } from 'vitest';
import type { Finding } from '../../src/checks/types.js';
import { lintSet } from '../../src/lint/engine.js';
import { toScript } from '../../src/migrations/script.js';
import { initParser } from '../../src/migrations/split.js';
import type { DirectiveValue, Migration, MigrationSet } from '../../src/migrations/types.js';
import { runnerModel } from '../../src/runners/registry.js';

export interface Options {
  runnerOptions?: Record<string, string>;
  /** Directives per file name (`no-txn`, `transaction`, `disable_transaction`, …). */
  directives?: Record<string, Record<string, DirectiveValue>>;
}

/** Builds a set from `{ name: up SQL }` in name order, as the runner's format would load it. */
export async function memorySet(files: Record<string, string>, runner: string, options: Options = {}): Promise<MigrationSet> {
  await initParser();
  const model = runnerModel(runner);
  const migrations: Migration[] = Object.keys(files)
    .sort()
    .map((name) => {
      const file = `/sets/example/${name}`;
      return { id: name, name, orderKey: name, file, up: toScript(files[name]!, file), directives: options.directives?.[name] ?? {}, checksum: '' };
    });
  return { dir: '/sets/example', format: model.format, migrations };
}

/** Lints `files` under `runner`. */
export async function lint(files: Record<string, string>, runner = 'rerun-all', options: Options = {}): Promise<Finding[]> {
  const set = await memorySet(files, runner, options);
  const model = runnerModel(runner);
  const runnerOptions = options.runnerOptions ?? {};
  return lintSet({ set, model, plan: model.plan(set, runnerOptions), runnerOptions, reproduce: 'npx migtest lint /sets/example' });
}

/** `rule file:line` for each finding: short to compare. */
export function where(findings: Finding[]): string[] {
  return findings.map((f) => `${String(f.case?.rule)} ${f.file?.slice(f.file.lastIndexOf('/') + 1)}:${f.line}`);
}

/** The findings of one rule. */
export function of(findings: Finding[], rule: string): Finding[] {
  return findings.filter((f) => f.case?.rule === rule);
}

/**
 * The suppression contract for one rule: an ignore comment on the line before the flagged
 * statement, or at the end of its last line, hides the finding; one where nothing is flagged is
 * itself a finding (`unused-ignore`).
 */
export function suppression(rule: string, flagged: Record<string, string>, clean: Record<string, string>, runner = 'rerun-all', options: Options = {}): void {
  const edit = (files: Record<string, string>, finding: Finding, change: (lines: string[], line: number, endLine: number) => void): Record<string, string> => {
    const name = finding.file!.slice(finding.file!.lastIndexOf('/') + 1);
    const lines = files[name]!.split('\n');
    change(lines, finding.line!, Number(finding.case?.endLine ?? finding.line));
    return { ...files, [name]: lines.join('\n') };
  };
  const firstOf = async (): Promise<Finding> => {
    const found = of(await lint(flagged, runner, options), rule)[0];
    if (!found) throw new Error(`${rule} flags nothing in the example`);
    return found;
  };

  it(`${rule}: an ignore comment on the line before the statement suppresses it`, async () => {
    const files = edit(flagged, await firstOf(), (lines, line) => lines.splice(line - 1, 0, `-- migtest-ignore: ${rule}`));
    const findings = await lint(files, runner, options);
    expect(of(findings, rule).length).toBe(of(await lint(flagged, runner, options), rule).length - 1);
    expect(of(findings, 'unused-ignore')).toEqual([]);
  });

  it(`${rule}: an ignore comment at the end of the statement's line suppresses it`, async () => {
    const files = edit(flagged, await firstOf(), (lines, _line, endLine) => (lines[endLine - 1] += ` -- migtest-ignore: ${rule} -- reviewed`));
    const findings = await lint(files, runner, options);
    expect(of(findings, rule).length).toBe(of(await lint(flagged, runner, options), rule).length - 1);
    expect(of(findings, 'unused-ignore')).toEqual([]);
  });

  it(`${rule}: an ignore comment where nothing is flagged is an unused-ignore finding`, async () => {
    const name = Object.keys(clean).sort()[0]!;
    const files = { ...clean, [name]: `-- migtest-ignore: ${rule}\n${clean[name]!}` };
    const findings = await lint(files, runner, options);
    expect(where(findings)).toEqual([`unused-ignore ${name}:1`]);
    expect(findings[0]!.message).toContain(`ignores ${rule}`);
  });
}
