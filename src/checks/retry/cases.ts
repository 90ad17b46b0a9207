import { CONNECTION_LOST } from '../../faults/inject.js';
import { isCommit } from '../../migrations/transactions.js';
import type { Statement } from '../../migrations/types.js';
import type { Block, BlockTrace, Trace } from '../../runners/types.js';
import { pathIn } from '../paths.js';
import { hintFor } from '../hints.js';
import type { Finding } from '../types.js';
import type { PlannedFault, RetryCase, RetryRules, UnitTries } from './oracle.js';

/*
 * The retry check's cases in words and in JSON: what each case is called in a finding, what its
 * report (`case`, and `details.cases`) holds, and the hints for what a case found. Pure.
 */

/** One fault of a case, as `case.faults` lists it. */
export type FaultReport = {
  fault: PlannedFault['kind'];
  sqlstate?: string;
  times?: number;
  block: number;
  at: number;
  rule: Block['rule'];
  migration: string | null;
  file?: string;
  line?: number;
};

/** The tries of one retry unit, predicted or observed. */
export type UnitReport = { block: number; statement?: number; tries: number; waitsMs: number[]; ok: boolean };

/** The tries and waits of one block a run reached. */
export type BlockReport = {
  block: number;
  rule: Block['rule'];
  migrations: string[];
  ok: boolean;
  tries: number;
  waitsMs: number[];
  statements?: { statement: number; file?: string; line?: number; tries: number; waitsMs: number[]; errors: string[] }[];
};

/** A case as JSON output carries it: a finding's `case`, and (with its verdict) an entry of `details.cases`. */
export type CaseReport = {
  family: RetryCase['family'];
  policy: string | null;
  tries: number;
  faults: FaultReport[];
  ok: boolean;
  blocks: BlockReport[];
  /** For a transient case: the tries the policy predicts, and those the run showed. */
  expected?: { ok: boolean; units: UnitReport[] };
  observed?: { units: UnitReport[] };
  verdict?: 'pass' | 'fail';
};

/** The report of case `c` on `blocks`, whose run ended as `trace` says. */
export function caseReport(blocks: Block[], rules: RetryRules, c: RetryCase, trace: Trace): CaseReport {
  return {
    family: c.family,
    policy: rules.policy?.text ?? null,
    tries: rules.tries,
    faults: c.faults.map((f) => {
      const block = blocks[f.block]!;
      const statement = statementAt(block, f.at);
      return {
        fault: f.kind,
        ...(f.kind !== 'ack-lost' ? { sqlstate: f.kind === 'lost' ? CONNECTION_LOST : f.kind, times: f.times } : {}),
        block: f.block,
        at: f.at,
        rule: block.rule,
        migration: migrationOf(block, statement) ?? null,
        ...(statement ? { file: statement.file, line: statement.line } : {}),
      };
    }),
    ok: trace.ok,
    blocks: blockReport(trace),
  };
}

/** The migration of a case's first fault, and its family: what the check counts its findings by. */
export function scopeOf(blocks: Block[], c: RetryCase): { family: RetryCase['family']; migration: string | null } {
  const f = c.faults[0]!;
  const block = blocks[f.block]!;
  return { family: c.family, migration: migrationOf(block, statementAt(block, f.at)) ?? null };
}

export function where(block: Block, at: number, ack: boolean): string {
  const n = block.statements.length;
  if (block.record && n === 0) return `after ${block.record.name} ran, before its tracker row (block ${block.index + 1})`;
  if (ack && at >= n) return block.rule === 'script' ? `the implicit COMMIT at the end of block ${block.index + 1} (script)` : `the COMMIT of block ${block.index + 1} (${block.rule})`;
  if (ack) return `statement ${at + 1} of block ${block.index + 1} (${block.rule})`;
  return at < n ? `before statement ${at + 1} of block ${block.index + 1} (${block.rule})` : `after the last statement of block ${block.index + 1} (${block.rule})`;
}

export function kindLabel(kind: PlannedFault['kind']): string {
  return kind === 'lost' ? 'lost connection' : kind === 'ack-lost' ? 'ack lost' : kind;
}

export function describe(blocks: Block[], c: RetryCase): string {
  return c.faults
    .map((f) => `${kindLabel(f.kind)}${f.kind === 'ack-lost' ? '' : ` ×${f.times}`} ${where(blocks[f.block]!, f.at, f.kind === 'ack-lost')}`)
    .join(', ');
}

/** The statement a fault is about: the one it precedes (or whose answer it takes), else the block's last. */
export function statementAt(block: Block, at: number): Statement | undefined {
  return block.statements[at] ?? block.statements[block.statements.length - 1];
}

export function migrationOf(block: Block, statement: Statement | undefined): string | undefined {
  return (statement ? block.migrations.find((m) => m.file === statement.file) : (block.migrations[0] ?? block.record))?.name;
}

export function unitLabel(u: Pick<UnitTries, 'block' | 'statement'>): string {
  return u.statement === undefined ? `block ${u.block + 1}` : `statement ${u.statement + 1} of block ${u.block + 1}`;
}

export function triesText(units: UnitTries[]): string {
  if (units.length === 0) return 'no retries';
  return units.map((u) => `${unitLabel(u)}: ${u.tries} ${u.tries === 1 ? 'try' : 'tries'}${u.waitsMs.length ? `, waits ${u.waitsMs.join(', ')} ms` : ''}`).join('; ');
}

/** The tries and waits of every block a run reached, for JSON output. */
export function blockReport(trace: Trace): BlockReport[] {
  return trace.blocks.map((b: BlockTrace) => ({
    block: b.block.index,
    rule: b.block.rule,
    migrations: b.block.migrations.map((m) => m.name),
    ok: !b.error,
    tries: b.tries ?? 1,
    waitsMs: b.waitsMs ?? [],
    ...(b.statementTries && b.statementTries.length > 0
      ? {
          statements: b.statementTries.map((s) => {
            const statement = b.block.statements[s.statement];
            return {
              statement: s.statement,
              ...(statement ? { file: statement.file, line: statement.line } : {}),
              tries: s.tries,
              waitsMs: s.waitsMs,
              errors: s.errors,
            };
          }),
        }
      : {}),
  }));
}

/** What to do about work that runs again after its commit's answer was lost. */
export function ackHint(finding: Finding | null, tracked: boolean): Finding | null {
  if (!finding) return null;
  const atomic = tracked
    ? 'or make the migration in-txn so that the tool records it in the transaction that does the work'
    : 'the tool keeps no record, so every run does every migration again: each must be safe to run twice';
  const grew = (finding.diff ?? []).some((d) => {
    const before = d.expected as { rows?: number } | undefined;
    const after = d.found as { rows?: number } | undefined;
    return d.path.startsWith('data:') && (after?.rows ?? 0) > (before?.rows ?? 0);
  });
  const hint = grew
    ? `the rows were inserted again: add ON CONFLICT … DO NOTHING on a unique key (or INSERT … SELECT … WHERE NOT EXISTS); ${atomic}`
    : (finding.hint ?? `make each statement safe to run again on what it already did; ${atomic}`);
  return { ...finding, hint };
}

/** What to do about a retry that fails on work an earlier try had made durable. */
export function retryHint(block: Block, sqlstate: string, statement: Statement | undefined, separate = 'give it a migration of its own'): string {
  const commit = block.rule === 'in-txn' ? block.statements.find(isCommit) : undefined;
  if (commit) {
    return (
      `the block's own COMMIT at ${pathIn(commit.file)}:${commit.line} makes the work before it durable, and a retry of the whole block runs that work again: ` +
      `${separate}, or make it safe to run twice (ADD VALUE IF NOT EXISTS)`
    );
  }
  return (
    hintFor(sqlstate, statement) ??
    'a retry runs again what an earlier try had made durable (work outside a transaction, or before a COMMIT of its own): keep each retried block in one transaction, or make that work safe to run twice'
  );
}

export function unitReport(u: UnitTries): UnitReport {
  return { block: u.block, ...(u.statement !== undefined ? { statement: u.statement } : {}), tries: u.tries, waitsMs: u.waitsMs, ok: u.ok };
}

/** One finding per migration whose lost ack is unsafe: the first such point, the others counted. */
export function perMigration(findings: Finding[]): Finding[] {
  const byMigration = new Map<string, Finding[]>();
  for (const f of findings) {
    const name = f.scope?.migration ?? f.file ?? '';
    byMigration.set(name, [...(byMigration.get(name) ?? []), f]);
  }
  return [...byMigration.values()].map((list) => {
    const first = list[0]!;
    if (list.length === 1) return first;
    return { ...first, message: `${first.message} (and ${list.length - 1} more lost ack${list.length === 2 ? '' : 's'} in this migration)` };
  });
}
