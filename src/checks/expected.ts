import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError, type MigrationSet } from '../migrations/types.js';
import { diffSnapshots, type DiffOptions } from '../snapshot/diff.js';
import { majorFolder, readObjects, type ExpectedObjects } from '../snapshot/files.js';
import { describeObject } from '../snapshot/format.js';
import type { Difference, Snapshot } from '../snapshot/types.js';
import { argumentIn, pathIn, shellWord } from './paths.js';
import type { Check, CheckContext, CheckName, CheckOptions, Finding } from './types.js';
import { appliedSet } from './applies.js';
import { definitions, originOf, type Defined } from './expected-origin.js';

/** What `--ignore` can leave out of the comparison with the expected schema. */
export const IGNORABLE = ['column-order', 'owners', 'privileges'] as const;
export type Ignorable = (typeof IGNORABLE)[number];

/** The folder `expected` and `migtest snapshot` use when none is given: `expected-schema/` beside the set. */
export function defaultExpectedFolder(setDir: string): string {
  return join(dirname(resolve(setDir)), 'expected-schema');
}

export function expectedFolder(setDir: string, given: string | undefined): string {
  return given !== undefined ? resolve(given) : defaultExpectedFolder(setDir);
}

/**
 * The default checks, and `expected` when the set has an expected-schema folder or `--expected` names one:
 * committed files are compared without anyone having to ask, and a set without them is not
 * failed for it.
 */
export function checksWithExpected(checks: CheckName[], setDir: string, given: string | undefined): CheckName[] {
  // A folder given on the command line is meant to be used: a missing one is then an error (exit 2).
  if (checks.includes('expected') || (given === undefined && !existsSync(defaultExpectedFolder(setDir)))) return checks;
  return [...checks, 'expected'];
}

/** `--ignore owners --ignore column-order,privileges` → the names, checked. */
export function parseIgnore(values: string[]): Ignorable[] {
  const names = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const unknown = names.find((n) => !(IGNORABLE as readonly string[]).includes(n));
  if (unknown !== undefined) {
    throw new InputError(`--ignore does not know '${unknown}'`, undefined, undefined, undefined, `use one or more of: ${IGNORABLE.join(', ')}`);
  }
  return [...new Set(names)].sort() as Ignorable[];
}

export function diffOptionsOf(ignore: readonly Ignorable[] = []): DiffOptions {
  return {
    ...(ignore.includes('column-order') ? { ignoreColumnOrder: true } : {}),
    ...(ignore.includes('owners') ? { ignoreOwners: true } : {}),
    ...(ignore.includes('privileges') ? { ignorePrivileges: true } : {}),
  };
}


/** The command that writes the expected-schema files of a set for one or more majors. */
export function snapshotCommand(
  setDir: string,
  runner: string,
  majors: number[],
  folder: string,
  runnerOptions: Record<string, string> = {},
): string {
  const parts = ['npx migtest snapshot', argumentIn(resolve(setDir)), '--runner', runner, ...(majors.length > 0 ? ['--pg', majors.join(',')] : [])];
  if (resolve(folder) !== defaultExpectedFolder(setDir)) parts.push('--out', argumentIn(resolve(folder)));
  for (const [name, value] of Object.entries(runnerOptions)) parts.push('--runner-option', shellWord(`${name}=${value}`));
  return parts.join(' ');
}

/**
 * The fresh snapshot equals the expected-schema files committed beside the set (as a tool that
 * verifies the schema after migrating checks it): one finding per object that was added, is missing or changed, so a reviewer sees
 * each drifted object on its own, with its attributes.
 */
export const expected: Check = {
  name: 'expected',
  summary: 'the fresh schema equals the expected-schema files (migtest snapshot) for this PostgreSQL major',

  prepare(set: MigrationSet, options: CheckOptions, run: { runner: string; runnerOptions: Record<string, string>; postgres: number[] }) {
    const folder = expectedFolder(set.dir, options.expected);
    if (existsSync(folder)) return;
    throw new InputError(
      `no expected-schema folder ${pathIn(folder)} for check expected`,
      undefined,
      undefined,
      undefined,
      `write it from the set as it is now, review and commit it (or pass --expected <folder>): ${snapshotCommand(set.dir, run.runner, run.postgres, folder, run.runnerOptions)}`,
    );
  },

  async run(context) {
    const folder = expectedFolder(context.set.dir, context.options.expected);
    const major = context.server.major;
    const runnerOptions = context.states.settings.runnerOptions;
    const make = snapshotCommand(context.set.dir, context.model.name, [major], folder, runnerOptions);
    const files = readObjects(folder, major);
    if (!files) {
      return {
        status: 'skip',
        cases: 0,
        findings: [],
        reason: `${pathIn(majorFolder(folder, major))} does not exist: write it with ${make}`,
      };
    }
    const fresh = await appliedSet(context);
    const snapshot = await context.states.snapshotOf(fresh);
    const schemaOnly = (objects: Snapshot['objects']): Snapshot => ({ ...snapshot, objects, data: {}, trackers: {} });
    const diff = diffSnapshots(schemaOnly(files.objects), schemaOnly(snapshot.objects), diffOptionsOf(context.options.ignore));
    const cases = new Set([...Object.keys(files.objects), ...Object.keys(snapshot.objects)]).size;
    const extra = reproduceOptions(context, folder);
    const reproduce = context.reproduce('expected', extra);
    const writtenBy = files.marker?.format;
    const formatNote =
      writtenBy !== undefined && writtenBy !== snapshot.format
        ? `; the files are of snapshot format ${writtenBy} and this migtest reads format ${snapshot.format}: write them again first`
        : '';
    const hint =
      `the set no longer gives the schema its expected-schema files hold (a migration edited, renamed or removed?): if the change is meant, write the files again (${make}) and commit them; if not, restore the migration and make the change in a new one` +
      formatNote;
    const defined = definitions(context.set);
    const findings = diff.map((d) => findingOf(d, files, reproduce, hint, defined));
    return { status: findings.length > 0 ? 'fail' : 'pass', cases, findings };
  },
};

/** `--expected` when not the default folder, `--ignore` when given: the command must compare the same way. */
function reproduceOptions(context: CheckContext, folder: string): string[] {
  const extra: string[] = [];
  if (folder !== defaultExpectedFolder(context.set.dir)) extra.push('--expected', argumentIn(folder));
  const ignore = context.options.ignore ?? [];
  if (ignore.length > 0) extra.push('--ignore', ignore.join(','));
  return extra;
}

/**
 * A difference is placed on the statement that made or last changed its object (a maintainer
 * edits the migration, not the snapshot file), else on the object's expected-schema file; the
 * other place is named in the detail.
 */
function findingOf(d: Difference, files: ExpectedObjects, reproduce: string, hint: string, defined: readonly Defined[]): Finding {
  // A changed object's difference holds only the attributes that changed: its table is in the file.
  const what = describeObject(d.path, d.change === 'added' ? d.found : files.objects[d.path]);
  const attributes = d.change === 'changed' && d.expected !== null && typeof d.expected === 'object' ? Object.keys(d.expected).sort() : [];
  const message =
    d.change === 'changed'
      ? `${what} changed (${attributes.join(', ')})`
      : d.change === 'missing'
        ? `${what} missing: in the expected schema, not in the fresh one`
        : `${what} added: in the fresh schema, not in the expected one`;
  const file = files.files[d.path];
  const origin = originOf(defined, d.path, d.change === 'added' ? d.found : (files.objects[d.path] ?? d.expected));
  const snapshotFile = file ? `expected-schema file: ${pathIn(resolve(file))}` : null;
  const detail = !origin
    ? null
    : [origin.by === 'table' ? `no statement of the set names it; this statement makes its table` : null, snapshotFile].filter((s) => s !== null).join('; ') || null;
  return {
    check: 'expected',
    ...(origin
      ? { file: origin.statement.file, line: origin.statement.line, column: origin.statement.column, statement: origin.statement.sql }
      : { file: file ? resolve(file) : null, line: file ? 1 : null, column: file ? 1 : null, statement: null }),
    sqlstate: null,
    message,
    detail,
    hint,
    diff: [d],
    reproduce,
  };
}
