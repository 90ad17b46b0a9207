import type { Cell, ColumnShape, ValueKind } from './types.js';
import { codePoints, decimal, integerBounds } from './values.js';

/**
 * Rows with distinct values in every unique key (primary key, unique constraint, unique index):
 * a row whose key repeats an earlier row's gets a variant of one key value, and is dropped when
 * none fits (a boolean or enum key has few values). Keys with a NULL never collide (NULLs are
 * distinct), nor do keys over columns the server fills. References compare by row index: two
 * references to different parent rows can still meet after `row % count`, and the server then
 * refuses one (insert.ts keeps the other). Deterministic: the variant depends on the row's place.
 */
export function distinctKeys(rows: Cell[][], columns: ColumnShape[], keys: string[][]): Cell[][] {
  const position = new Map(columns.map((c, i) => [c.name, i]));
  const live = keys
    .map((key) => key.map((name) => position.get(name)))
    .filter((key): key is number[] => key.every((i) => i !== undefined));
  if (live.length === 0) return rows;
  const seen = live.map(() => new Set<string>());
  const out: Cell[][] = [];
  const tuple = (row: Cell[], key: number[]): string | undefined => {
    const cells = key.map((i) => row[i]);
    if (cells.some((c) => c === null || c === undefined)) return undefined;
    return JSON.stringify(cells.map((c) => (typeof c === 'string' ? c : `\u0000@${(c as { row: number }).row}`)));
  };
  const clashes = (row: Cell[]): number => live.findIndex((key, k) => {
    const t = tuple(row, key);
    return t !== undefined && seen[k]!.has(t);
  });
  rows.forEach((original, r) => {
    const row = [...original];
    let clash = clashes(row);
    // Each clashing key gets its own repair, kept while the next key's is tried.
    for (let attempt = 1; clash >= 0 && attempt <= 40; attempt++) {
      const column = live[clash]!.find((i) => typeof original[i] === 'string' && columns[i]!.value && variant(columns[i]!.value!, '', 0) !== undefined);
      if (column === undefined) break;
      const next = variant(columns[column]!.value!, original[column] as string, r * 41 + attempt);
      if (next === undefined) break;
      row[column] = next;
      clash = clashes(row);
    }
    if (clash >= 0) return;
    live.forEach((key, k) => {
      const t = tuple(row, key);
      if (t !== undefined) seen[k]!.add(t);
    });
    out.push(row);
  });
  return out;
}

/** The n-th other value of a kind near `value`, or undefined for kinds with too few values. */
export function variant(kind: ValueKind, value: string, n: number): string | undefined {
  switch (kind.kind) {
    case 'int': {
      const [min, max] = integerBounds(kind.bits);
      const base = /^-?\d+$/.test(value) ? BigInt(value) : 0n;
      const next = base + BigInt(n);
      return String(next > max ? min + BigInt(n) : next);
    }
    case 'numeric': {
      const scale = kind.scale ?? 0;
      const top = kind.precision === undefined ? undefined : 10n ** BigInt(kind.precision) - 1n;
      const m = BigInt(n);
      return top !== undefined && m > top ? undefined : decimal(m, scale);
    }
    case 'float':
      return String((Number(value) || 0) + n);
    case 'text': {
      const suffix = `~${n}`;
      if (kind.max !== undefined && kind.max < suffix.length) return kind.max >= 1 ? String.fromCharCode(33 + (n % 90)) : undefined;
      return kind.max === undefined ? `${value}${suffix}` : `${codePoints(value, kind.max - suffix.length)}${suffix}`;
    }
    case 'uuid':
      return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
    case 'date':
      return new Date(Date.UTC(2000, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
    case 'timestamp':
      return `${new Date(Date.UTC(2000, 0, 1) + n * 1000).toISOString().slice(0, 19).replace('T', ' ')}${kind.tz ? '+00' : ''}`;
    case 'interval':
      return `${n} seconds`;
    case 'bytea':
      return `\\x${n.toString(16).padStart(8, '0')}`;
    case 'json':
      return JSON.stringify({ n });
    case 'inet':
      return `10.${(n >> 8) & 255}.${n & 255}.1`;
    case 'cidr':
      return `10.${(n >> 8) & 255}.${n & 255}.0/24`;
    default:
      return undefined;
  }
}
