import { canonicalJson, compareText } from './canonical.js';
import type { Difference, Snapshot, SnapshotObject } from './types.js';

export interface DiffOptions {
  /** Compare tables' columns as sets (ignore column order, as some tools' schema checks do). */
  ignoreColumnOrder?: boolean;
  /** Leave out every `owner` attribute (`--ignore owners`): environments that use other roles. */
  ignoreOwners?: boolean;
  /**
   * Leave out every `privileges` attribute and the `default-privileges` objects
   * (`--ignore privileges`): grants that the environment makes, not the migrations.
   */
  ignorePrivileges?: boolean;
  /** Compare tracker rows too. Off by default: they hold timestamps and run-specific values. */
  includeTrackers?: boolean;
}

/**
 * Differences from `expected` to `found`, sorted by path. Schema objects use their own paths,
 * table data `data:<schema>.<table>`, tracker tables `tracker:<schema>.<table>`. For a changed
 * object, `expected` and `found` hold only the attributes that differ.
 */
export function diffSnapshots(expected: Snapshot, found: Snapshot, options: DiffOptions = {}): Difference[] {
  const diffs: Difference[] = [];
  const owners = options.ignoreOwners ? new Set([...ownerNames(expected), ...ownerNames(found)]) : new Set<string>();
  diffRecords(schemaObjects(expected, options, owners), schemaObjects(found, options, owners), '', diffs, (a, b) => diffObject(a, b, options));
  diffRecords(expected.data, found.data, 'data:', diffs, whole);
  if (options.includeTrackers) diffRecords(expected.trackers, found.trackers, 'tracker:', diffs, whole);
  return diffs.sort((a, b) => compareText(a.path, b.path));
}

/** The roles named as an owner anywhere in a snapshot. */
function ownerNames(snapshot: Snapshot): string[] {
  return Object.values(snapshot.objects).flatMap((o) => (typeof o.owner === 'string' ? [o.owner] : []));
}

/**
 * The objects that take part in the comparison, without the attributes the options leave out.
 * Ignoring owners also leaves out the roles that own objects on either side (`owners`): the
 * snapshot describes a role made after initdb because it owns something, so a server where
 * another role runs the migrations (a url's) has a role object the files do not.
 */
function schemaObjects(snapshot: Snapshot, options: DiffOptions, owners: Set<string>): Record<string, SnapshotObject> {
  if (!options.ignoreOwners && !options.ignorePrivileges) return snapshot.objects;
  const kept: Record<string, SnapshotObject> = {};
  for (const [path, object] of Object.entries(snapshot.objects)) {
    if (options.ignorePrivileges && (object.kind as string) === 'default-privileges') continue;
    if (options.ignoreOwners && object.kind === 'role' && owners.has(path.slice('role:'.length))) continue;
    const { owner, privileges, ...rest } = object;
    kept[path] = {
      ...rest,
      ...(options.ignoreOwners || owner === undefined ? {} : { owner }),
      ...(options.ignorePrivileges || privileges === undefined ? {} : { privileges }),
    } as SnapshotObject;
  }
  return kept;
}

function diffRecords<T>(
  expected: Record<string, T>,
  found: Record<string, T>,
  prefix: string,
  diffs: Difference[],
  compare: (expected: T, found: T) => Change | undefined,
): void {
  for (const [key, value] of Object.entries(expected)) {
    const path = prefix + key;
    const other = found[key];
    if (other === undefined) {
      diffs.push({ path, change: 'missing', expected: value });
      continue;
    }
    const changed = compare(value, other);
    if (changed !== undefined) diffs.push({ path, change: 'changed', expected: changed.expected, found: changed.found });
  }
  for (const [key, value] of Object.entries(found)) {
    if (expected[key] === undefined) diffs.push({ path: prefix + key, change: 'added', found: value });
  }
}

interface Change {
  expected: unknown;
  found: unknown;
}

// Data fingerprints and tracker rows are read whole: rows and hash only mean something together.
function whole(expected: unknown, found: unknown): Change | undefined {
  return same(expected, found) ? undefined : { expected, found };
}

function diffObject(expected: SnapshotObject, found: SnapshotObject, options: DiffOptions): Change | undefined {
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(found)])].sort(compareText);
  for (const key of keys) {
    const a = expected[key];
    const b = found[key];
    if (key === 'columns' && expected.kind === 'table' && found.kind === 'table' && sameColumnOrder(a, b, options)) {
      continue;
    }
    if (!same(a, b)) {
      before[key] = a ?? null;
      after[key] = b ?? null;
    }
  }
  return Object.keys(before).length === 0 ? undefined : { expected: before, found: after };
}

/**
 * A column that is added or missing already has its own `column:` difference; the table's
 * `columns` only reports how the columns present on both sides are ordered, so one new column
 * does not also print the whole column list.
 */
function sameColumnOrder(expected: unknown, found: unknown, options: DiffOptions): boolean {
  if (!isStringArray(expected) || !isStringArray(found)) return same(expected, found);
  if (options.ignoreColumnOrder) return true;
  const inFound = new Set(found);
  const inExpected = new Set(expected);
  const common = expected.filter((name) => inFound.has(name));
  const commonFound = found.filter((name) => inExpected.has(name));
  return same(common, commonFound);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}
