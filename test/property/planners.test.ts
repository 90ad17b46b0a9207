import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Folder } from '../../src/migrations/folder.js';
import { initParser } from '../../src/migrations/split.js';
import type { Migration } from '../../src/migrations/types.js';
import { TOOLS, toolNamed, type ToolName } from '../../src/runners/registry.js';
import type { Block, RunnerOptions, TxnRule } from '../../src/runners/types.js';
import { durablePrefix } from '../../src/checks/fault.js';
import { naiveSplit } from '../../src/runners/golang-migrate/model.js';
import { blockOf, offsetOfPlace, scriptArbitrary, type PooledStatement, type ScriptSpec } from './sql.js';

/*
 * The planner of every tool, over random migration sets written in memory in the tool's own
 * format (names, markers, per-file options) and read by its pure parser: the plan runs every
 * statement once and in order, groups migrations into transactions as the tool does, and a fault
 * at any boundary leaves durable what the tool's transactions make durable. What a set should give
 * is computed from how the files were written, never from what the parser read.
 */

/** One migration as written: its up script and the options its file carries. */
interface Written {
  version: number;
  script: ScriptSpec;
  /** Outside a transaction: cigogne `disable_transaction`, codd `no-txn`, dbmate `transaction:false`. */
  noTxn: boolean;
  /** codd `-- codd: no-parse`: the file is one statement, sent whole. */
  noParse: boolean;
  /** codd `-- codd-connection:`. */
  connection?: string;
}

interface File {
  name: string;
  text: string;
  /** The migration it holds, if any. */
  migration?: Written;
}

interface Format {
  tool: ToolName;
  written: fc.Arbitrary<Omit<Written, 'version'>>;
  files(migration: Written): File[];
  /** The migrations in the order the tool runs them. */
  order(files: File[]): Written[];
  options: fc.Arbitrary<RunnerOptions>;
  /** The tool's blocks: the rule and how many consecutive migrations each one runs. */
  blocks(ordered: Written[], options: RunnerOptions): { rule: TxnRule; count: number }[];
}

const plain = (script: fc.Arbitrary<ScriptSpec>): fc.Arbitrary<Omit<Written, 'version'>> => script.map((s) => ({ script: s, noTxn: false, noParse: false }));
const byName = (files: File[]): Written[] =>
  files
    .filter((f) => f.migration)
    .sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))
    .map((f) => f.migration!);
const byVersion = (files: File[]): Written[] => files.flatMap((f) => (f.migration ? [f.migration] : [])).sort((a, b) => a.version - b.version);
const each = (rule: (m: Written) => TxnRule) => (ordered: Written[]) => ordered.map((m) => ({ rule: rule(m), count: 1 }));
/** Consecutive migrations that `together` says share a transaction form one in-txn block; the others run alone. */
function grouped(ordered: Written[], alone: (m: Written) => boolean, together: (a: Written, b: Written) => boolean): { rule: TxnRule; count: number }[] {
  const blocks: { rule: TxnRule; count: number }[] = [];
  ordered.forEach((m, i) => {
    const last = blocks[blocks.length - 1];
    if (alone(m)) blocks.push({ rule: 'no-txn', count: 1 });
    else if (last?.rule === 'in-txn' && together(ordered[i - 1]!, m)) last.count++;
    else blocks.push({ rule: 'in-txn', count: 1 });
  });
  return blocks;
}

/** A UTC date and time `seconds` after 2024-01-01, as the fields a timestamped name holds. */
function stamp(seconds: number): string[] {
  const d = new Date(Date.UTC(2024, 0, 1) + seconds * 997_000);
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()].map((n, i) => String(n).padStart(i === 0 ? 4 : 2, '0'));
}

const README: File = { name: 'README.md', text: '# not a migration; ignored\n' };
const CONNECTIONS = [undefined, 'postgres://postgres@localhost/other', 'postgres://app@localhost/other'];

const FORMATS: Format[] = [
  {
    tool: 'rerun-all',
    written: plain(scriptArbitrary()),
    files: (m) => [
      { name: `${m.version}_m.up.sql`, text: m.script.text, migration: m },
      ...(m.version % 2 === 0 ? [{ name: `${m.version}_m.down.sql`, text: 'DROP TABLE t;\n' }] : []),
    ],
    order: byName,
    options: fc.constant({}),
    blocks: each((m) => (m.script.statements.length === 1 ? 'no-txn' : 'script')),
  },
  {
    tool: 'golang-migrate',
    written: plain(scriptArbitrary({ minLength: 0 })),
    files: (m) => [
      { name: `${m.version}_m.up.sql`, text: m.script.text, migration: m },
      ...(m.version % 2 === 0 ? [{ name: `${m.version}_m.down.sql`, text: 'DROP TABLE t;\n' }] : []),
    ],
    // By the number, not the name: 10 runs after 9.
    order: byVersion,
    options: fc.record({ 'multi-statement': fc.constantFrom('true', 'false'), transactions: fc.constantFrom('true', 'false') }, { requiredKeys: [] }),
    blocks: (ordered, options) =>
      each((m) => (options.transactions === 'true' ? 'in-txn' : options['multi-statement'] === 'true' || m.script.statements.length === 1 ? 'no-txn' : 'script'))(ordered),
  },
  {
    tool: 'cigogne',
    written: fc.tuple(scriptArbitrary(), fc.boolean()).map(([script, off]) => ({ script, noTxn: off && script.statements.length === 1, noParse: false })),
    files: (m) => [
      {
        name: `${stamp(m.version).join('')}-M${m.version}.sql`,
        text: `--- migration:up${m.noTxn ? ' disable_transaction' : ''}\n${m.script.text}\n--- migration:down\nDROP TABLE t;\n--- migration:end\n`,
        migration: m,
      },
    ],
    order: byVersion,
    options: fc.constantFrom<RunnerOptions>({}, { 'no-hash-check': 'true' }),
    // Every pending transactional migration in one transaction; a disable_transaction one alone.
    blocks: (ordered) => grouped(ordered, (m) => m.noTxn, () => true),
  },
  {
    tool: 'codd',
    written: fc
      .tuple(scriptArbitrary(), fc.constantFrom('in-txn', 'no-txn', 'no-parse', 'default'), fc.constantFrom(...CONNECTIONS))
      .map(([script, option, connection]) => ({ script, noTxn: option === 'no-txn', noParse: option === 'no-parse', ...(connection ? { connection } : {}), option })),
    files: (m) => {
      const option = (m as Written & { option?: string }).option;
      const header = `${option && option !== 'default' ? `-- codd: ${option}\n` : ''}${m.connection ? `-- codd-connection: ${m.connection}\n` : ''}`;
      return [{ name: `${stamp(m.version).join('-')}-m${m.version}.sql`, text: header + m.script.text, migration: m }];
    },
    order: byVersion,
    options: fc.constant({}),
    // Consecutive in-txn migrations on the same connection in one transaction; each no-txn one alone.
    blocks: (ordered) => grouped(ordered, (m) => m.noTxn, (a, b) => a.connection === b.connection),
  },
  {
    tool: 'dbmate',
    written: fc.tuple(scriptArbitrary(), fc.boolean()).map(([script, noTxn]) => ({ script, noTxn, noParse: false })),
    files: (m) => [{ name: `${m.version}_m.sql`, text: `-- migrate:up${m.noTxn ? ' transaction:false' : ''}\n${m.script.text}\n-- migrate:down\nDROP TABLE t;\n`, migration: m }],
    // By the name: dbmate sorts file names, so 10_m.sql runs before 9_m.sql.
    order: byName,
    options: fc.constant({}),
    // transaction:false drops the BEGIN, not the single string: a string of 2+ statements is one implicit transaction.
    blocks: each((m) => (!m.noTxn ? 'in-txn' : m.script.statements.length === 1 ? 'no-txn' : 'script')),
  },
  {
    tool: 'files',
    written: plain(scriptArbitrary()),
    files: (m) => [
      { name: `${m.version}_m.up.sql`, text: m.script.text, migration: m },
      ...(m.version % 2 === 0 ? [{ name: `${m.version}_m.down.sql`, text: 'DROP TABLE t;\n' }] : []),
    ],
    order: byName,
    options: fc.constantFrom<RunnerOptions>(
      {},
      { record: 'with-file' },
      { transaction: 'per-file' },
      { tracker: 'none' },
      { tracker: 'none', transaction: 'per-file' },
      { tracker: 'ops.applied', key: 'version', lock: 'advisory', 'lock-key': '7' },
    ),
    // Each file one block (BEGIN/COMMIT around it with transaction=per-file or record=with-file);
    // a row written after the file is a block of its own, which runs no migration's statements.
    blocks: (ordered, options) =>
      ordered.flatMap((m) => {
        const wrapped = options.transaction === 'per-file' || options.record === 'with-file';
        const file = { rule: (wrapped ? 'in-txn' : m.script.statements.length === 1 ? 'no-txn' : 'script') as TxnRule, count: 1 };
        return options.tracker !== 'none' && options.record !== 'with-file' ? [file, { rule: 'no-txn' as TxnRule, count: 0 }] : [file];
      }),
  },
];

/** A set in `format`: its files in the order a directory listing might give them, and the runner options. */
function setOf(format: Format): fc.Arbitrary<{ files: File[]; options: RunnerOptions }> {
  return fc
    .tuple(fc.uniqueArray(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 6 }), fc.array(format.written, { minLength: 6, maxLength: 6 }), format.options, fc.boolean())
    .chain(([versions, written, options, junk]) => {
      const files = versions.flatMap((version, i) => format.files({ ...written[i]!, version }));
      if (junk) files.push(README);
      return fc.shuffledSubarray(files, { minLength: files.length, maxLength: files.length }).map((listed) => ({ files: listed, options }));
    });
}

function folderOf(tool: string, files: File[]): Folder {
  const dir = `/nowhere/${tool}`;
  return { dir, files: files.map((f) => ({ name: f.name, path: `${dir}/${f.name}`, bytes: Buffer.from(f.text) })) };
}

/** The statements a migration was written with, as the tool reads them. */
function writtenStatements(m: Written, fileText: string): PooledStatement[] {
  return m.noParse ? [{ sql: fileText }] : m.script.statements;
}

/**
 * How many leading statements a fault before statement `at` leaves in effect, by what the
 * statements are: nothing of a transaction the runner opened; up to the last COMMIT of one string
 * (an implicit transaction); every autocommitted statement but an explicit transaction left open.
 */
function durableModel(rule: TxnRule, statements: PooledStatement[], at: number): number {
  if (rule === 'in-txn') return 0;
  let committed = 0;
  let openedAt: number | undefined;
  for (let i = 0; i < at; i++) {
    const t = statements[i]!.transaction;
    if (t === 'COMMIT') committed = i + 1;
    if (t === 'BEGIN' || t === 'START') openedAt ??= i;
    else if (t === 'COMMIT' || t === 'ROLLBACK') openedAt = undefined;
  }
  return rule === 'script' ? committed : (openedAt ?? at);
}

const statementsOf = (migrations: Migration[]) => migrations.flatMap((m) => m.up.statements);

describe.each(FORMATS)('the $tool planner', (format) => {
  beforeAll(() => initParser());
  const tool = toolNamed(format.tool)!;

  it('reads every migration, in the tool order, with the statements it was written with, each where its line and column say', () => {
    fc.assert(
      fc.property(setOf(format), ({ files }) => {
        const parsed = tool.parse(folderOf(format.tool, files), {});
        expect(parsed.problems).toEqual([]);
        const ordered = format.order(files);
        const textOf = new Map(files.map((f) => [`/nowhere/${format.tool}/${f.name}`, f.text]));
        const set = parsed.set!;
        expect(set.migrations.map((m) => m.file)).toEqual(ordered.map((w) => `/nowhere/${format.tool}/${files.find((f) => f.migration === w)!.name}`));
        set.migrations.forEach((m, i) => {
          const text = textOf.get(m.file)!;
          expect(m.up.statements.map((s) => s.sql)).toEqual(writtenStatements(ordered[i]!, text).map((s) => s.sql));
          for (const s of m.up.statements) {
            expect(text.startsWith(s.sql, offsetOfPlace(text, s.line, s.column))).toBe(true);
            // What is sent is the up script's text: each statement's offset addresses it there.
            expect(m.up.text.slice(s.offset, s.offset + s.length)).toBe(s.sql);
          }
        });
      }),
      { numRuns: 25 },
    );
  });

  it('plans every statement exactly once and in order, grouped into transactions as the tool does', () => {
    fc.assert(
      fc.property(setOf(format), ({ files, options }) => {
        const set = tool.parse(folderOf(format.tool, files), {}).set!;
        const plan = tool.model.plan(set, options);
        expect(plan.blocks.map((b) => b.index)).toEqual(plan.blocks.map((_, i) => i));
        // Every migration once, in the set's order, and each block runs exactly its migrations' statements.
        expect(plan.blocks.flatMap((b) => b.migrations)).toEqual(set.migrations);
        const naive = options['multi-statement'] === 'true';
        for (const b of plan.blocks) {
          if (!naive) {
            expect(b.statements.length).toBe(statementsOf(b.migrations).length);
            b.statements.forEach((s, i) => expect(s).toBe(statementsOf(b.migrations)[i]));
          }
          if (b.text !== undefined) expect(b.text).toBe(b.migrations.map((m) => m.up.text).join(''));
        }
        const expected = format.blocks(format.order(files), options);
        expect(plan.blocks.map((b) => ({ rule: b.rule, count: b.migrations.length }))).toEqual(expected);
      }),
      { numRuns: 25 },
    );
  });

  it('a fault at any boundary of a block leaves durable what the block’s transactions made durable', () => {
    fc.assert(
      fc.property(
        setOf(format).filter(({ options }) => options['multi-statement'] !== 'true'),
        ({ files, options }) => {
          const set = tool.parse(folderOf(format.tool, files), {}).set!;
          const ordered = format.order(files);
          const textOf = new Map(files.map((f) => [f.migration, f.text]));
          let next = 0;
          for (const b of tool.model.plan(set, options).blocks) {
            const written = ordered.slice(next, next + b.migrations.length).flatMap((w) => writtenStatements(w, textOf.get(w)!));
            next += b.migrations.length;
            for (let at = 0; at <= b.statements.length; at++) expect(durablePrefix(b, at)).toBe(durableModel(b.rule, written, at));
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('golang-migrate multi-statement: the naive split', () => {
  beforeAll(() => initParser());

  it('cuts a file into pieces that put together give the file, each ending at a `;`', () => {
    fc.assert(
      fc.property(scriptArbitrary({ minLength: 0 }), ({ text }) => {
        const pieces = naiveSplit(text);
        expect(pieces.map((p) => p.text).join('')).toBe(text);
        pieces.forEach((p, i) => {
          expect(text.slice(p.offset, p.offset + p.text.length)).toBe(p.text);
          if (i < pieces.length - 1) expect(p.text.endsWith(';') && p.text.indexOf(';') === p.text.length - 1).toBe(true);
        });
      }),
      { numRuns: 100 },
    );
  });

  it('sends, in order, pieces whose statements sit in the file where their offsets and places say', () => {
    const golang = toolNamed('golang-migrate')!;
    fc.assert(
      fc.property(setOf(FORMATS[1]!), ({ files }) => {
        const set = golang.parse(folderOf('golang-migrate', files), {}).set!;
        const plan = golang.model.plan(set, { 'multi-statement': 'true' });
        for (const b of plan.blocks) {
          const up = b.migrations[0]!.up;
          const offsets = b.statements.map((s) => s.offset);
          expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
          for (const s of b.statements) {
            expect(up.text.slice(s.offset, s.offset + s.length)).toBe(s.sql);
            expect(up.text.startsWith(s.sql, offsetOfPlace(up.text, s.line, s.column))).toBe(true);
          }
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('the registry', () => {
  it('has a generator here for every tool, so that a new tool gets these laws too', () => {
    expect(FORMATS.map((f) => f.tool).sort()).toEqual(TOOLS.map((t) => t.name).sort());
  });
});

/** A block of synthetic statements: what durability reads of a statement is its transaction kind. */
const kinds = fc.array(fc.constantFrom(undefined, undefined, 'BEGIN', 'START', 'COMMIT', 'ROLLBACK') as fc.Arbitrary<PooledStatement['transaction'] | undefined>, { maxLength: 10 });

describe('what is durable at a boundary', () => {
  it('never more than ran, never less as more runs, and a durable prefix is durable on its own', () => {
    fc.assert(
      fc.property(kinds, fc.constantFrom<TxnRule>('in-txn', 'no-txn', 'script'), (ks, rule) => {
        const block = blockOf(0, rule, ks);
        let previous = 0;
        for (let at = 0; at <= ks.length; at++) {
          const d = durablePrefix(block, at);
          expect(d).toBeGreaterThanOrEqual(previous);
          expect(d).toBeLessThanOrEqual(at);
          expect(durablePrefix(block, d)).toBe(d);
          previous = d;
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a transaction the runner opens keeps nothing, one string keeps less than autocommitted statements', () => {
    fc.assert(
      fc.property(kinds, fc.nat(), (ks, n) => {
        const at = n % (ks.length + 1);
        const [inTxn, script, noTxn] = (['in-txn', 'script', 'no-txn'] as const).map((rule) => durablePrefix(blockOf(0, rule, ks), at));
        expect(inTxn).toBe(0);
        expect(script).toBeLessThanOrEqual(noTxn!);
        // Without transaction statements, one string keeps nothing and autocommit keeps everything that ran.
        if (ks.every((k) => k === undefined)) expect([script, noTxn]).toEqual([0, at]);
      }),
      { numRuns: 200 },
    );
  });
});
