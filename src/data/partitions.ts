import type { CheckRule } from './checks.js';

/**
 * What a partitioned table's partitions accept, as rules on its partition key, so that generated
 * rows find a partition: LIST partitions give the values listed, RANGE partitions their ranges
 * (each a `[from, to)`, gaps between them kept out). Only a key of one plain column is read; a
 * DEFAULT partition takes any row, so then nothing is needed; HASH partitions take any value.
 * Pure: the definitions are pg_get_partkeydef's and pg_get_expr(relpartbound)'s text.
 */
export function partitionRules(keyDefinition: string | null, bounds: string[]): CheckRule[] {
  const key = /^(LIST|RANGE) \(("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)\)$/.exec(keyDefinition ?? '');
  if (!key || bounds.length === 0 || bounds.includes('DEFAULT')) return [];
  const column = key[2]!.startsWith('"') ? key[2]!.slice(1, -1).replace(/""/g, '"') : key[2]!;
  if (key[1] === 'LIST') {
    const values = bounds.flatMap((b) => {
      const list = /^FOR VALUES IN \((.*)\)$/s.exec(b)?.[1];
      return list === undefined ? [] : literals(list).filter((v): v is string => v !== null);
    });
    return values.length > 0 ? [{ kind: 'choices', column, values }] : [];
  }
  const ranges = bounds.flatMap((b) => {
    const m = /^FOR VALUES FROM \((.*)\) TO \((.*)\)$/s.exec(b);
    if (!m) return [];
    const [from] = literals(m[1]!);
    const [to] = literals(m[2]!);
    return from === undefined || to === undefined ? [] : [{ from, to }];
  });
  return ranges.length > 0 ? [{ kind: 'ranges', column, ranges }] : [];
}

/** `'a', 'b''c', 1, NULL, MINVALUE` → ['a', "b'c", '1', null, null]: MINVALUE and MAXVALUE are unbounded. */
function literals(text: string): (string | null)[] {
  return [...text.matchAll(/'((?:[^']|'')*)'|(-?\d+(?:\.\d+)?)|(NULL|MINVALUE|MAXVALUE)/g)].map((m) =>
    m[1] !== undefined ? m[1].replace(/''/g, "'") : m[2] !== undefined ? m[2] : null);
}
