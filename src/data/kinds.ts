import type { ValueKind } from './types.js';

/** A row of pg_type, as catalog.ts reads it. */
export interface RawType {
  oid: number;
  schema: string;
  name: string;
  /** typtype: b base, d domain, e enum, r range */
  type: string;
  category: string;
  elem: number;
  base: number;
  typmod: number;
  notNull: boolean;
  hasDefault: boolean;
  rangeOf: number | null;
  labels: string[] | null;
  /** A domain's CHECK definitions. */
  checks: string[];
}

/** What a column's type means to the generator; a domain's NOT NULL and default carry over. */
export interface Resolved {
  value?: ValueKind;
  /** The domain (or one it is based on) is NOT NULL. */
  notNull: boolean;
  /** The domain (or one it is based on) has a default. */
  hasDefault: boolean;
  /** The CHECKs of the domain and the domains it is based on, as pg_get_constraintdef gives them (`VALUE` for the value). */
  checks: string[];
}

const BASE: Record<string, (typmod: number) => ValueKind> = {
  int2: () => ({ kind: 'int', bits: 16 }),
  int4: () => ({ kind: 'int', bits: 32 }),
  int8: () => ({ kind: 'int', bits: 64 }),
  numeric: (typmod) => numeric(typmod),
  float4: () => ({ kind: 'float', bits: 32 }),
  float8: () => ({ kind: 'float', bits: 64 }),
  text: () => ({ kind: 'text' }),
  varchar: (typmod) => (typmod >= 4 ? { kind: 'text', max: typmod - 4 } : { kind: 'text' }),
  // char(n): the server pads to n; a longer value would be refused.
  bpchar: (typmod) => (typmod >= 4 ? { kind: 'text', max: typmod - 4 } : { kind: 'text' }),
  bool: () => ({ kind: 'bool' }),
  date: () => ({ kind: 'date' }),
  time: () => ({ kind: 'time', tz: false }),
  timetz: () => ({ kind: 'time', tz: true }),
  timestamp: () => ({ kind: 'timestamp', tz: false }),
  timestamptz: () => ({ kind: 'timestamp', tz: true }),
  interval: () => ({ kind: 'interval' }),
  uuid: () => ({ kind: 'uuid' }),
  json: () => ({ kind: 'json' }),
  jsonb: () => ({ kind: 'json' }),
  bytea: () => ({ kind: 'bytea' }),
  inet: () => ({ kind: 'inet' }),
  cidr: () => ({ kind: 'cidr' }),
};

/** numeric(p,s) from its typmod; since PostgreSQL 15 the scale may be negative (11 signed bits). */
function numeric(typmod: number): ValueKind {
  if (typmod < 4) return { kind: 'numeric' };
  const packed = typmod - 4;
  const precision = (packed >> 16) & 0xffff;
  const scale = ((packed & 0x7ff) ^ 1024) - 1024;
  return { kind: 'numeric', precision, scale };
}

const RANGE_OF: Record<string, 'int' | 'numeric' | 'date' | 'timestamp' | 'timestamptz'> = {
  int4: 'int',
  int8: 'int',
  numeric: 'numeric',
  date: 'date',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
};

/** Resolves a column's type (OID and typmod) to what generates its values; pure. */
export function resolveType(types: Map<number, RawType>, oid: number, typmod: number, depth = 0): Resolved {
  const t = types.get(oid);
  const none = { notNull: false, hasDefault: false, checks: [] };
  if (!t || depth > 20) return none;
  if (t.type === 'd') {
    const base = resolveType(types, t.base, t.typmod, depth + 1);
    return { ...base, notNull: base.notNull || t.notNull, hasDefault: base.hasDefault || t.hasDefault, checks: [...base.checks, ...t.checks] };
  }
  if (t.type === 'e') return t.labels && t.labels.length > 0 ? { ...none, value: { kind: 'enum', labels: t.labels } } : none;
  if (t.type === 'r') {
    const sub = t.rangeOf === null ? undefined : types.get(t.rangeOf);
    const of = sub && sub.schema === 'pg_catalog' ? RANGE_OF[sub.name] : undefined;
    return of ? { ...none, value: { kind: 'range', of } } : none;
  }
  if (t.category === 'A' && t.elem !== 0) {
    const element = resolveType(types, t.elem, typmod, depth + 1);
    // An array of a NOT NULL domain would refuse NULL elements; only element kinds are kept.
    return element.value && element.value.kind !== 'array' ? { ...none, value: { kind: 'array', of: element.value } } : none;
  }
  const known = t.schema === 'pg_catalog' ? BASE[t.name] : undefined;
  if (known) return { ...none, value: known(typmod) };
  // citext and other string-category types of extensions read text.
  if (t.category === 'S') return { ...none, value: { kind: 'text' } };
  return none;
}
