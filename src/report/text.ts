import pc from 'picocolors';
import { CANNOT_RUN } from '../checks/applies.js';
import type { CheckResult, Finding, Note } from '../checks/types.js';
import { formatDifferences } from '../snapshot/format.js';
import type { RunReport } from '../checks/types.js';
import type { RunEvents } from '../run.js';
import { VERSION } from '../version.js';
import { displayFinding, displayNote, displayPath, displayResult } from './paths.js';

export interface TextOptions {
  color: boolean;
  /**
   * A terminal: show the running check and replace it when it ends. Otherwise (a pipe, a CI log)
   * plain lines only: a check starts, makes progress, ends; no carriage returns.
   */
  live: boolean;
  write(text: string): void;
  /** Milliseconds now; tests give their own clock. */
  now?: () => number;
  /** The directory paths are shown from (src/report/paths.ts); the current one by default. */
  cwd?: string;
}

/** A plain progress line at each further tenth of the cases, but not more often than this … */
const PLAIN_MIN_GAP_MS = 1000;
/** … and at least this often while cases keep finishing, whatever the tenth. */
const PLAIN_MAX_GAP_MS = 10_000;

const MAX_DIFF_LINES = 20;

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The retry policy a check ran under, e.g. `policy max 2 backoff exponential 1s: 3 tries, waits 1000, 2000 ms`. */
/** Check `populated`: the tables no generated row went into, each with why, never left out silently. */
function unfilledLines(details: Record<string, unknown> | undefined): string[] {
  const unfilled = (details?.unfilled as { table: string; reason: string }[] | undefined) ?? [];
  return unfilled.map((u) => `not filled: ${u.table}: ${u.reason}`);
}

function policyLine(details: Record<string, unknown>): string {
  const waits = (details.waitsMs as number[] | undefined) ?? [];
  const tries = Number(details.tries ?? 1);
  return `policy ${String(details.policy ?? 'none')}: ${tries} ${tries === 1 ? 'try' : 'tries'}${waits.length ? `, waits ${waits.join(', ')} ms` : ''}`;
}

/** Output for people: one line per check, then each finding with where, what, a hint and the command. */
export class TextReporter implements RunEvents {
  readonly #c: ReturnType<typeof pc.createColors>;

  readonly #cwd: string;

  constructor(private readonly out: TextOptions) {
    this.#c = pc.createColors(out.color);
    this.#cwd = out.cwd ?? process.cwd();
  }

  onLoaded(info: { set: string; runner: string; migrations: number; shard?: { index: number; count: number }; changedSince?: { ref: string; files: number } }): void {
    const shard = info.shard ? ` · shard ${info.shard.index}/${info.shard.count}` : '';
    this.out.write(`${this.#c.bold('migtest')} ${VERSION} · ${displayPath(info.set, this.#cwd)} · ${info.migrations} migrations · runner ${info.runner}${shard}\n`);
    const changed = info.changedSince;
    if (changed) this.out.write(`reporting findings in ${changed.files} file${changed.files === 1 ? '' : 's'} changed since ${changed.ref} (every check runs the whole set)\n`);
  }

  onServer(info: { provider: string; version: string; startMs: number }): void {
    this.out.write(this.#c.dim(`PostgreSQL ${info.version} (${info.provider}) ready in ${seconds(info.startMs)}\n`));
  }

  #now(): number {
    return this.out.now ? this.out.now() : Date.now();
  }

  /** The running check, for plain progress lines. */
  #running = { postgres: '', started: 0, lastLine: 0, tenths: 0 };

  onCheckStart(name: string, postgres?: string): void {
    const now = this.#now();
    this.#running = { postgres: postgres ?? '', started: now, lastLine: now, tenths: 0 };
    if (this.out.live) this.out.write(this.#c.dim(`  … ${name}`));
    else this.out.write(`  · ${name.padEnd(8)} pg ${postgres ?? '?'}  started\n`);
  }

  #shown = 0;
  /** `unit`: what is counted, so that a total of draws is not read as the cases the check ends with. */
  onProgress(name: string, done: number, total: number, unit: 'cases' | 'draws' = 'cases'): void {
    if (!this.out.live) {
      this.#plainProgress(name, done, total, unit);
      return;
    }
    // At most every 100 ms: a progress bar is for a person watching.
    if (done < total && Date.now() - this.#shown < 100) return;
    this.#shown = Date.now();
    const width = 24;
    const filled = Math.round((done / total) * width);
    this.out.write(`\r\x1b[K${this.#c.dim(`  … ${name.padEnd(8)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${unit}`)}`);
  }

  /** A CI log has no bar to redraw: a line per further tenth done, spaced out, so a long check shows it moves. */
  #plainProgress(name: string, done: number, total: number, unit: 'cases' | 'draws'): void {
    if (total <= 0 || done >= total) return; // the end line follows
    const now = this.#now();
    const running = this.#running;
    const tenths = Math.floor((done * 10) / total);
    const gap = now - running.lastLine;
    if (!((tenths > running.tenths && gap >= PLAIN_MIN_GAP_MS) || gap >= PLAIN_MAX_GAP_MS)) return;
    running.tenths = tenths;
    running.lastLine = now;
    const percent = Math.floor((done * 100) / total);
    // Sampled checks count draws, which can repeat a case: the end line's cases can be fewer.
    this.out.write(`  · ${name.padEnd(8)} pg ${running.postgres}  ${percent}% (${done}/${total} ${unit})  ${seconds(now - running.started)}\n`);
  }

  /** Errors already printed in full, per PostgreSQL version: a check that could not run points back at them. */
  readonly #printed = new Set<string>();

  onCheckEnd(checked: CheckResult): void {
    const result = displayResult(checked, this.#cwd);
    if (this.out.live) this.out.write('\r\x1b[K');
    const c = this.#c;
    const mark = result.status === 'pass' ? c.green('✓') : result.status === 'fail' ? c.red('✗') : c.yellow('-');
    const cases = `${result.cases} case${result.cases === 1 ? '' : 's'}`;
    const reason = !result.reason ? '' : result.status === 'fail' ? c.red(`  ${result.reason}`) : c.yellow(`  skipped: ${result.reason}`);
    this.out.write(`  ${mark} ${result.name.padEnd(8)} pg ${result.postgres}  ${cases}  ${c.dim(seconds(result.durationMs))}${reason}\n`);
    if (result.details && 'policy' in result.details) this.out.write(c.dim(`    ${policyLine(result.details)}\n`));
    for (const line of unfilledLines(result.details)) this.out.write(c.dim(`    ${line}\n`));
    for (const note of result.notes ?? []) this.out.write(this.#note(note));
    for (const finding of result.findings) {
      // The first run's error, once per version: fresh (or the first check that could not run) prints it in full.
      const error = finding.sqlstate && finding.cause?.message ? `${result.postgres} ${finding.file}:${finding.line} ${finding.sqlstate} ${finding.cause.message}` : undefined;
      if (error && result.reason === CANNOT_RUN && this.#printed.has(error)) {
        this.out.write(`    ${c.red('✗')} ${c.bold(where(finding))}  ${c.red(finding.sqlstate!)} ${c.dim('the error shown above stops the first run')}\n`);
        continue;
      }
      if (error) this.#printed.add(error);
      this.out.write(this.#finding(finding));
    }
  }

  /** What the tool always does: one dimmed line, with what an operator does about it. */
  note(n: Note): string {
    return this.#note(displayNote(n, this.#cwd));
  }

  #note(n: Note): string {
    return this.#c.dim(`    note: ${n.file ? `${n.file}: ` : ''}${n.message}; action: ${n.action}`) + '\n';
  }

  /** A finding as the check's end prints it. */
  finding(f: Finding): string {
    return this.#finding(displayFinding(f, this.#cwd));
  }

  #finding(f: Finding): string {
    const c = this.#c;
    const lines: string[] = [];
    lines.push(`    ${c.red('✗')} ${c.bold(where(f))}`);
    if (f.statement) {
      const first = f.statement.split('\n')[0]!;
      const more = f.statement.includes('\n') ? ' …' : '';
      lines.push(`      ${c.cyan(first)}${more}`);
    }
    lines.push(`      ${f.sqlstate ? `${c.red(f.sqlstate)} ` : ''}${f.message}${moreCases(f)}`);
    if (f.detail) lines.push(`      ${c.dim(`detail: ${f.detail}`)}`);
    if (f.rows && f.rows.length > 0) {
      lines.push(`      ${c.dim('rows:')}`);
      for (const row of f.rows) for (const line of row.split('\n')) lines.push(`        ${line}`);
    }
    if (f.diff && f.diff.length > 0) {
      const diffLines = formatDifferences(f.diff, { color: this.out.color });
      for (const line of diffLines.slice(0, MAX_DIFF_LINES)) lines.push(`      ${line}`);
      if (diffLines.length > MAX_DIFF_LINES) lines.push(c.dim(`      … ${diffLines.length - MAX_DIFF_LINES} more lines (--format json has them all)`));
    }
    if (f.hint) lines.push(`      ${c.yellow('hint:')} ${f.hint}`);
    lines.push(`      ${c.dim('reproduce:')} ${f.reproduce}`);
    return lines.join('\n') + '\n';
  }

  summary(report: RunReport): void {
    const c = this.#c;
    if (report.checks.length === 0 && report.shard) {
      this.out.write(`${c.green(c.bold('PASS'))} no check to run on shard ${report.shard.index}/${report.shard.count}: single-case and static checks (fresh, twice, lint) run on shard 1\n`);
    } else {
      const line = checksSummary(report);
      this.out.write(`${report.ok ? c.green(c.bold('PASS')) : c.red(c.bold('FAIL'))} ${line}\n`);
    }
  }
}

function where(f: Finding): string {
  return f.file ? `${f.file}:${f.line ?? 1}:${f.column ?? 1}` : '(no statement)';
}

/** A grouped finding stands for its other cases too: ` (and 15 more cases)`. */
export function moreCases(f: Finding): string {
  const more = (f.cases ?? 1) - 1;
  return more > 0 ? ` (and ${more} more case${more === 1 ? '' : 's'})` : '';
}

/**
 * After PASS or FAIL: only checks that ran and passed count as passed; a skipped check is named as
 * skipped, a check that could not run as failed.
 */
export function checksSummary(report: RunReport): string {
  const count = (status: CheckResult['status']): number => report.checks.filter((r) => r.status === status).length;
  const [passed, failed, skipped] = [count('pass'), count('fail'), count('skip')];
  const couldNot = report.checks.filter((r) => r.reason === CANNOT_RUN).length;
  const findings = report.checks.reduce((n, r) => n + r.findings.length, 0);
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const skippedText = skipped > 0 ? `, ${skipped} skipped` : '';
  if (failed === 0) return `${plural(passed, 'check')} passed${skippedText}`;
  const couldNotText = couldNot > 0 ? ` (${couldNot} could not run: the set does not apply)` : '';
  return `${failed} of ${report.checks.length} checks failed${couldNotText}, ${plural(findings, 'finding')}${skippedText}`;
}
