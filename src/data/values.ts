import fc from 'fast-check';
import type { ValueKind } from './types.js';

/**
 * One arbitrary per value kind, each giving the literal the server parses. Each leans toward what
 * breaks migrations: a few fixed values (so columns repeat them: duplicates for a unique index
 * added later), boundaries, empty and long and non-ASCII text, text that converts to a number
 * beside text that does not. The first alternative of each is what a failing case shrinks to.
 * Pure and deterministic for a seed.
 */
export function valueArbitrary(kind: ValueKind): fc.Arbitrary<string> {
  // Arbitraries hold no state: one per kind serves every column of that kind (a wide schema has
  // thousands of columns and a few dozen kinds).
  const key = JSON.stringify(kind);
  let arbitrary = made.get(key);
  if (!arbitrary) made.set(key, (arbitrary = make(kind)));
  return arbitrary;
}

const made = new Map<string, fc.Arbitrary<string>>();

function make(kind: ValueKind): fc.Arbitrary<string> {
  switch (kind.kind) {
    case 'int':
      return integer(kind.bits);
    case 'numeric':
      return numeric(kind.precision, kind.scale);
    case 'float':
      return float(kind.bits);
    case 'text':
      return kind.max === undefined ? text() : text().map((s) => codePoints(s, kind.max!));
    case 'bool':
      return fc.constantFrom('false', 'true');
    case 'date':
      return date();
    case 'time':
      return time().map((t) => (kind.tz ? `${t}+02` : t));
    case 'timestamp':
      return timestamp(kind.tz);
    case 'interval':
      return interval();
    case 'uuid':
      return fc.oneof({ arbitrary: fc.constant('00000000-0000-0000-0000-000000000000'), weight: 1 }, { arbitrary: fc.uuid(), weight: 4 });
    case 'json':
      return json();
    case 'bytea':
      return fc.uint8Array({ maxLength: 24 }).map((bytes) => `\\x${Buffer.from(bytes).toString('hex')}`);
    case 'enum':
      return fc.constantFrom(...kind.labels);
    case 'inet':
      return inet();
    case 'cidr':
      return cidr();
    case 'range':
      return range(kind.of);
    case 'array':
      return fc.array(fc.option(valueArbitrary(kind.of), { nil: null, freq: 6 }), { maxLength: 4 }).map(arrayLiteral);
  }
}

/** The first `max` characters (code points, as varchar(n) counts them). */
export function codePoints(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = 0;
  for (let n = 0; n < max && end < s.length; n++) end += s.codePointAt(end)! > 0xffff ? 2 : 1;
  return s.slice(0, end);
}

const BOUNDS = { 16: [-32768n, 32767n], 32: [-2147483648n, 2147483647n], 64: [-9223372036854775808n, 9223372036854775807n] } as const;

export function integerBounds(bits: 16 | 32 | 64): readonly [bigint, bigint] {
  return BOUNDS[bits];
}

function integer(bits: 16 | 32 | 64): fc.Arbitrary<string> {
  const [min, max] = BOUNDS[bits];
  return fc.oneof(
    { arbitrary: fc.constantFrom('0', '1', '-1', String(min), String(max)), weight: 2 },
    { arbitrary: fc.integer({ min: -1000, max: 1000 }).map(String), weight: 3 },
    { arbitrary: fc.bigInt({ min, max }).map(String), weight: 2 },
  );
}

/** A decimal literal of a mantissa and a scale: 12345, 2 → 123.45. */
export function decimal(mantissa: bigint, scale: number): string {
  if (scale <= 0) return mantissa === 0n ? '0' : `${mantissa}${'0'.repeat(-scale)}`;
  const sign = mantissa < 0n ? '-' : '';
  const digits = (mantissa < 0n ? -mantissa : mantissa).toString().padStart(scale + 1, '0');
  return `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

function numeric(precision: number | undefined, scale: number | undefined): fc.Arbitrary<string> {
  if (precision === undefined) {
    return fc.oneof(
      { arbitrary: fc.constantFrom('0', '1', '-1', '0.5', '123456789012345678901234567890.123456789'), weight: 2 },
      { arbitrary: fc.tuple(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), fc.integer({ min: 0, max: 6 })).map(([m, s]) => decimal(m, s)), weight: 3 },
    );
  }
  const s = scale ?? 0;
  const top = 10n ** BigInt(Math.max(1, precision)) - 1n;
  return fc.oneof(
    { arbitrary: fc.constantFrom(0n, 1n, -1n, top, -top).map((m) => decimal(m, s)), weight: 2 },
    { arbitrary: fc.bigInt({ min: -top, max: top }).map((m) => decimal(m, s)), weight: 3 },
  );
}

function float(bits: 32 | 64): fc.Arbitrary<string> {
  const any = bits === 32 ? fc.float({ noNaN: true, noDefaultInfinity: true }) : fc.double({ noNaN: true, noDefaultInfinity: true });
  return fc.oneof(
    { arbitrary: fc.constantFrom('0', '1', '-1', '0.5', '1e30', '-1e-30'), weight: 2 },
    { arbitrary: any.map((x) => String(x)), weight: 3 },
  );
}

// Text that converts (to integer, numeric, boolean, date) beside text that does not, the empty
// string, quotes, and non-ASCII letters a byte-length or case-folding assumption trips on.
const TEXTS = ['', 'a', '42', '0', '-1', '3.14', ' 7 ', 'abc', 'true', '2024-02-29', 'NULL', "O'Brien", 'naïve café', 'Zoë', 'İstanbul', 'straße', '日本語', '😀'];

function text(): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...TEXTS), weight: 4 },
    { arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 24 }), weight: 3 },
    { arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }), weight: 1 },
    { arbitrary: fc.integer({ min: -100000, max: 100000 }).map(String), weight: 1 },
    { arbitrary: fc.tuple(fc.constantFrom('lorem ipsum ', 'é', '漢字'), fc.integer({ min: 30, max: 300 })).map(([s, n]) => s.repeat(n)), weight: 1 },
  );
}

const DAY = 86_400_000;
const EPOCH_2000 = Date.UTC(2000, 0, 1);

function date(): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom('2000-01-01', '1970-01-01', '2000-02-29', '1999-12-31', '0001-01-01', '9999-12-31'), weight: 2 },
    { arbitrary: fc.integer({ min: -36500, max: 36500 }).map((d) => new Date(EPOCH_2000 + d * DAY).toISOString().slice(0, 10)), weight: 3 },
  );
}

function time(): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom('00:00:00', '12:00:00', '23:59:59.999999'), weight: 1 },
    { arbitrary: fc.integer({ min: 0, max: DAY - 1 }).map((ms) => new Date(ms).toISOString().slice(11, 23)), weight: 2 },
  );
}

function timestamp(tz: boolean): fc.Arbitrary<string> {
  const at = (ms: number): string => new Date(ms).toISOString().slice(0, 23).replace('T', ' ');
  const local = fc.oneof(
    { arbitrary: fc.constantFrom('2000-01-01 00:00:00', '1970-01-01 00:00:00', '2038-01-19 03:14:08'), weight: 1 },
    { arbitrary: fc.integer({ min: -100 * 365 * 24 * 3600, max: 100 * 365 * 24 * 3600 }).map((s) => at(EPOCH_2000 + s * 1000)), weight: 2 },
  );
  return tz ? fc.tuple(local, fc.constantFrom('+00', '-05', '+05:30')).map(([t, z]) => `${t}${z}`) : local;
}

function interval(): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom('0', '1 day', '-1 mons', '1 year 2 mons 3 days 04:05:06.789'), weight: 1 },
    { arbitrary: fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 86399 })).map(([d, s]) => `${d} days ${s} seconds`), weight: 2 },
  );
}

const scalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -1000, max: 1000 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 10 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
);

// Keys from a small set: objects then share keys across rows, as an application's do.
const jsonKey = fc.constantFrom('id', 'name', 'a', '', 'ключ', 'with space');

function json(): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom('{}', '[]', 'null', '0', '""', '{"a": 1}', '{"key": null}', '[1, "two", null, true]'), weight: 2 },
    { arbitrary: fc.array(fc.tuple(jsonKey, scalar), { maxLength: 3 }).map((pairs) => JSON.stringify(Object.fromEntries(pairs))), weight: 2 },
    { arbitrary: fc.array(scalar, { maxLength: 4 }).map((a) => JSON.stringify(a)), weight: 1 },
  );
}

function inet(): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom('127.0.0.1', '0.0.0.0', '::1'), weight: 1 },
    { arbitrary: fc.ipV4(), weight: 2 },
    { arbitrary: fc.ipV6(), weight: 1 },
    { arbitrary: fc.tuple(fc.ipV4(), fc.integer({ min: 8, max: 32 })).map(([ip, m]) => `${ip}/${m}`), weight: 1 },
  );
}

function cidr(): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom('10.0.0.0/8', '192.168.0.0/16', '::/0', '2001:db8::/32'), weight: 1 },
    {
      arbitrary: fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([ip, m]) => {
        const network = m === 0 ? 0 : (ip & (~0 << (32 - m))) >>> 0;
        return `${[24, 16, 8, 0].map((s) => (network >>> s) & 255).join('.')}/${m}`;
      }),
      weight: 2,
    },
  );
}

const BRACKETS = ['[)', '[]', '(]', '()'];

function range(of: 'int' | 'numeric' | 'date' | 'timestamp' | 'timestamptz'): fc.Arbitrary<string> {
  const show = (n: number): string =>
    of === 'int' ? String(n)
    : of === 'numeric' ? (n / 100).toFixed(2)
    : of === 'date' ? new Date(EPOCH_2000 + n * DAY).toISOString().slice(0, 10)
    : `${new Date(EPOCH_2000 + n * 60_000).toISOString().slice(0, 19).replace('T', ' ')}${of === 'timestamptz' ? '+00' : ''}`;
  const bounded = fc.tuple(fc.integer({ min: -10000, max: 10000 }), fc.integer({ min: 0, max: 10000 }), fc.constantFrom(...BRACKETS))
    .map(([lo, width, b]) => `${b[0]}${show(lo)},${show(lo + width)}${b[1]}`);
  return fc.oneof(
    { arbitrary: fc.constantFrom('empty', '(,)'), weight: 1 },
    { arbitrary: bounded, weight: 4 },
    { arbitrary: fc.integer({ min: -10000, max: 10000 }).map((n) => `[${show(n)},)`), weight: 1 },
  );
}

/** `{"a","b",NULL}`: every element quoted, so any text is safe in it. */
export function arrayLiteral(items: (string | null)[]): string {
  return `{${items.map((v) => (v === null ? 'NULL' : `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)).join(',')}}`;
}

/**
 * Values inside one of `[from, to)` (null: unbounded), for a RANGE partition key: numbers, dates
 * and timestamps; undefined for other kinds, which keep their own values.
 */
export function rangeValues(kind: ValueKind, ranges: { from: string | null; to: string | null }[]): fc.Arbitrary<string> | undefined {
  const scale = kind.kind === 'int' || kind.kind === 'numeric' || kind.kind === 'float' ? { read: Number, show: String, width: 1_000_000 }
    : kind.kind === 'date' ? { read: (s: string) => Math.round(moment(s, false) / DAY), show: (d: number) => new Date(d * DAY).toISOString().slice(0, 10), width: 36500 }
    : kind.kind === 'timestamp' ? { read: (s: string) => Math.floor(moment(s, kind.tz) / 1000), show: (t: number) => `${new Date(t * 1000).toISOString().slice(0, 19).replace('T', ' ')}${kind.tz ? '+00' : ''}`, width: 100 * 365 * 86400 }
    : undefined;
  if (!scale) return undefined;
  const spans = ranges.flatMap(({ from, to }) => {
    const lo = from === null ? null : scale.read(from);
    const hi = to === null ? null : scale.read(to);
    const min = Math.ceil(lo ?? (hi ?? 0) - scale.width);
    const max = Math.ceil(hi ?? (lo ?? 0) + scale.width) - 1;
    return Number.isFinite(min) && Number.isFinite(max) && min <= max ? [fc.integer({ min, max }).map(scale.show)] : [];
  });
  return spans.length > 0 ? fc.oneof(...spans) : undefined;
}

/** Milliseconds since 1970 of a bound as the server prints it (`2024-01-01 00:00:00+00`); without an offset, UTC. */
function moment(text: string, tz: boolean): number {
  let iso = text.trim().replace(' ', 'T');
  if (tz) iso = iso.replace(/([+-]\d\d)$/, '$1:00');
  else if (!/T/.test(iso)) iso = `${iso}T00:00:00`;
  return Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
}
