import { structuredPatch } from 'diff';
import pc from 'picocolors';
import { canonicalJson } from './canonical.js';
import { tableOf, type DataFingerprint, type Difference } from './types.js';

export interface FormatOptions {
  color?: boolean;
}

type Paint = (text: string) => string;

const INDENT = '    ';

/**
 * One short line per difference, for a person: `+` added, `-` missing, `~` changed, the path,
 * two spaces, then what it is or what changed. A changed multi-line definition (function, view)
 * follows as a unified diff, indented. Whether a data difference comes with a schema difference
 * is judged from the differences passed in.
 */
export function formatDifferences(diffs: Difference[], options: FormatOptions = {}): string[] {
  const colors = pc.createColors(options.color ?? false);
  const lines: string[] = [];
  const touchedTables = new Set(diffs.filter((d) => !isDataPath(d.path)).map((d) => objectTable(d.path)));
  for (const d of diffs) {
    const sign = d.change === 'added' ? '+' : d.change === 'missing' ? '-' : '~';
    const paint: Paint = d.change === 'added' ? colors.green : d.change === 'missing' ? colors.red : colors.yellow;
    const head = `${paint(sign)} ${paint(d.path)}`;
    if (d.path.startsWith('data:')) {
      lines.push(joinText(head, describeData(d, touchedTables.has(tableOf(d)))));
      lines.push(...unmatchedRows(d, colors));
    } else if (d.path.startsWith('tracker:')) {
      lines.push(joinText(head, describeTracker(d)));
      if (d.change === 'changed') lines.push(...trackerRows(d, colors));
    } else if (d.change === 'changed') {
      lines.push(...describeChange(head, d, colors));
    } else {
      lines.push(joinText(head, summary(d.change === 'added' ? d.found : d.expected)));
    }
  }
  return lines;
}

function joinText(head: string, text: string): string {
  return text === '' ? head : `${head}  ${text}`;
}

function isDataPath(path: string): boolean {
  return path.startsWith('data:') || path.startsWith('tracker:');
}

// `column:public.users.email` → `public.users`; `table:public.users` → `public.users`. Objects
// whose path does not name their table (indexes, sequences) are not matched: it is only a hint.
function objectTable(path: string): string {
  const [kind = '', name = ''] = splitOnce(path, ':');
  const parts = name.split('.');
  if (kind === 'table') return name;
  if (['column', 'constraint', 'trigger'].includes(kind)) return parts.slice(0, 2).join('.');
  return '';
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + separator.length)];
}

function describeData(d: Difference, schemaDiffers: boolean): string {
  const expected = d.expected as DataFingerprint | undefined;
  const found = d.found as DataFingerprint | undefined;
  if (expected === undefined || found === undefined) return `rows ${(expected ?? found)?.rows ?? '?'}`;
  const rows = expected.rows === found.rows ? `rows ${expected.rows}, different values` : `rows ${expected.rows} → ${found.rows}`;
  return `${rows} (${schemaDiffers ? 'schema differs too' : 'same schema, different data'})`;
}

// The rows read to explain a data difference: those of each side with no equal on the other.
function unmatchedRows(d: Difference, colors: ReturnType<typeof pc.createColors>): string[] {
  const lines: string[] = [];
  const side = (value: unknown, sign: string, paint: Paint): void => {
    const fingerprint = value as DataFingerprint | undefined;
    const rows = fingerprint?.unmatched ?? [];
    for (const row of rows) lines.push(`${INDENT}${paint(`${sign} ${canonicalJson(row)}`)}`);
    const more = (fingerprint?.unmatchedRows ?? rows.length) - rows.length;
    if (more > 0) lines.push(`${INDENT}${paint(`${sign} … ${more} more row${more === 1 ? '' : 's'}`)}`);
  };
  side(d.expected, '-', colors.red);
  side(d.found, '+', colors.green);
  return lines;
}

function describeTracker(d: Difference): string {
  const count = (rows: unknown): string => (Array.isArray(rows) ? String(rows.length) : '?');
  if (d.change === 'added') return `rows ${count(d.found)}`;
  if (d.change === 'missing') return `rows ${count(d.expected)}`;
  return `rows ${count(d.expected)} → ${count(d.found)}`;
}

// Tracker rows are compared as a multiset: the rows on one side only, each as canonical JSON.
function trackerRows(d: Difference, colors: ReturnType<typeof pc.createColors>): string[] {
  const expected = Array.isArray(d.expected) ? d.expected.map((row) => canonicalJson(row)) : [];
  const found = Array.isArray(d.found) ? d.found.map((row) => canonicalJson(row)) : [];
  const lines: string[] = [];
  const remaining = [...found];
  for (const row of expected) {
    const at = remaining.indexOf(row);
    if (at >= 0) remaining.splice(at, 1);
    else lines.push(`${INDENT}${colors.red(`- ${row}`)}`);
  }
  for (const row of remaining) lines.push(`${INDENT}${colors.green(`+ ${row}`)}`);
  return lines;
}

/**
 * A changed object: one changed attribute fits on the object's line (`type text → integer`);
 * several get a line each below it. A multi-line value (a definition) is a unified diff.
 */
function describeChange(head: string, d: Difference, colors: ReturnType<typeof pc.createColors>): string[] {
  const expected = asRecord(d.expected);
  const found = asRecord(d.found);
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(found)])].sort();
  const attributes: string[][] = [];
  for (const key of keys) {
    const a = expected[key];
    const b = found[key];
    if (isMultiLine(a) || isMultiLine(b)) {
      attributes.push([`${key} changed:`, ...unifiedDiff(textOf(a), textOf(b), colors)]);
    } else if (isLongList(a) || isLongList(b)) {
      attributes.push([`${key} changed:`, ...listChange(a, b, colors)]);
    } else {
      attributes.push([`${key} ${render(a)} → ${render(b)}`]);
    }
  }
  if (attributes.length === 1) {
    const [first = '', ...rest] = attributes[0]!;
    return [joinText(head, first), ...rest];
  }
  return [head, ...attributes.flatMap(([first = '', ...rest]) => [`${INDENT}${first}`, ...rest.map((line) => `${INDENT}${line}`)])];
}

// A list that would make a long line (privileges, many columns) is shown item by item.
function isLongList(value: unknown): value is unknown[] {
  return Array.isArray(value) && render(value).length > 60;
}

/** The items on one side only, in their order; or both lists when only the order differs. */
function listChange(expected: unknown, found: unknown, colors: ReturnType<typeof pc.createColors>): string[] {
  const a = Array.isArray(expected) ? expected.map(render) : expected === null || expected === undefined ? [] : [render(expected)];
  const b = Array.isArray(found) ? found.map(render) : found === null || found === undefined ? [] : [render(found)];
  const lines = [...a.filter((item) => !b.includes(item)).map((item) => `${INDENT}${colors.red(`- ${item}`)}`)];
  lines.push(...b.filter((item) => !a.includes(item)).map((item) => `${INDENT}${colors.green(`+ ${item}`)}`));
  if (lines.length > 0) return lines;
  return [`${INDENT}${colors.red(`- (${a.join(', ')})`)}`, `${INDENT}${colors.green(`+ (${b.join(', ')})`)}`];
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
}

function isMultiLine(value: unknown): value is string {
  return typeof value === 'string' && value.trimEnd().includes('\n');
}

function textOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : render(value);
  // Without a final newline the diff library adds "\ No newline at end of file" markers.
  return text.endsWith('\n') ? text : `${text}\n`;
}

function unifiedDiff(before: string, after: string, colors: ReturnType<typeof pc.createColors>): string[] {
  const patch = structuredPatch('expected', 'found', before, after, '', '', { context: 3 });
  const lines: string[] = [];
  for (const hunk of patch.hunks) {
    lines.push(INDENT + colors.cyan(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`));
    for (const line of hunk.lines) {
      const paint: Paint = line.startsWith('+') ? colors.green : line.startsWith('-') ? colors.red : (text) => text;
      lines.push(INDENT + paint(line));
    }
  }
  return lines;
}

function render(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value === '' || value.trim() !== value ? JSON.stringify(value) : value;
  if (Array.isArray(value)) return `(${value.map(render).join(', ')})`;
  if (typeof value === 'object') return canonicalJson(value);
  return String(value);
}

/** What an added or missing object is, in a few words; '' when its path says it all. */
function summary(value: unknown): string {
  const o = asRecord(value);
  const text = (key: string): string => (typeof o[key] === 'string' ? (o[key] as string) : '');
  switch (o.kind) {
    case 'schema':
      return '';
    case 'table': {
      const persistence = text('persistence') === 'permanent' ? '' : `${text('persistence')} `;
      return `${persistence}${text('type')} ${render(o.columns ?? [])}`;
    }
    case 'column':
      return columnSummary(o);
    case 'index':
      return o.valid === false ? `${text('definition')} (INVALID)` : text('definition');
    case 'sequence': {
      const owner = o.ownedBy ? ` owned by ${text('ownedBy')}` : '';
      return `${text('type')} start ${render(o.start)} increment ${render(o.increment)}${owner}`;
    }
    case 'view':
      return o.materialized ? 'materialized view' : 'view';
    case 'function':
      return text('type');
    case 'enum':
      return render(o.labels ?? []);
    default:
      return isMultiLine(o.definition) ? '' : text('definition');
  }
}

function columnSummary(o: Record<string, unknown>): string {
  const parts = [String(o.type ?? '?')];
  if (o.collation) parts.push(`COLLATE ${String(o.collation)}`);
  if (o.notNull) parts.push('NOT NULL');
  if (o.default) parts.push(`DEFAULT ${String(o.default)}`);
  if (o.identity) parts.push(`GENERATED ${String(o.identity).toUpperCase()} AS IDENTITY`);
  if (o.generated) parts.push(`GENERATED ALWAYS AS ${String(o.generationExpression)} ${String(o.generated).toUpperCase()}`);
  return parts.join(' ');
}

/**
 * An object in words, for a finding's message: `table public.users: column email` for
 * `column:public.users.email`, `view public.active_users` for `view:public.active_users`. An
 * object that belongs to a table (its `table` attribute) is named inside it.
 */
export function describeObject(path: string, object: unknown): string {
  const [kind, name] = splitOnce(path, ':');
  const table = asRecord(object).table;
  if (typeof table === 'string' && table !== '' && kind !== 'table') {
    const schema = table.slice(0, table.indexOf('.') + 1);
    const own = name.startsWith(`${table}.`) ? name.slice(table.length + 1) : schema && name.startsWith(schema) ? name.slice(schema.length) : name;
    return `table ${table}: ${kind} ${own}`;
  }
  return name === '' ? kind : `${kind} ${name}`;
}

/**
 * A difference as the JSON report carries it: as diffSnapshots made it, plus `unified`, a unified
 * diff of each changed multi-line attribute (a definition), for tools that show patches.
 */
export function withUnified(d: Difference): Difference & { unified?: Record<string, string> } {
  if (d.change !== 'changed') return d;
  const expected = asRecord(d.expected);
  const found = asRecord(d.found);
  const unified: Record<string, string> = {};
  for (const key of Object.keys(expected)) {
    const a = expected[key];
    const b = found[key];
    if (!isMultiLine(a) && !isMultiLine(b)) continue;
    const patch = structuredPatch(`expected/${d.path}`, `found/${d.path}`, textOf(a), textOf(b), '', '', { context: 3 });
    unified[key] = [`--- expected ${key}`, `+++ found ${key}`]
      .concat(patch.hunks.flatMap((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines]))
      .join('\n')
      .concat('\n');
  }
  return Object.keys(unified).length === 0 ? d : { ...d, unified };
}
