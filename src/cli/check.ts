import { runChecks, type RunEvents, type RunRequest } from '../run.js';
import { displayPath } from '../report/paths.js';
import { wantsColor } from './color.js';
import type { RunReport } from '../checks/types.js';
import { toJson } from '../report/json.js';
import { toJunit } from '../report/junit.js';
import { toGithub } from '../report/github.js';
import { ciAnnotations } from '../report/ci.js';
import { TextReporter } from '../report/text.js';
import { UsageError } from './errors.js';
import { checkOut, writeReport } from './out.js';

export { writeReport } from './out.js';

/*
 * Running a check request and printing its report in the chosen formats: what the command line's
 * `check` does, and what `run` (src/cli/scenario.ts) does for each set of a scenario.
 */

export type Format = 'text' | 'json' | 'junit' | 'github';
const FORMATS: Format[] = ['text', 'json', 'junit', 'github'];
/** Formats for a log: they go to stdout, beside a file format written to --out. */
const LOG_FORMATS: Format[] = ['text', 'github'];

export interface Output {
  format: Format;
  out?: string;
  /** With `out`: a second format printed on stdout, e.g. `--format github,junit --out junit.xml`. */
  stdout?: 'text' | 'github';
  /** false: no annotations under GitHub Actions (a scenario's findings are predictions, not defects). */
  annotate?: false;
}

/** `--format F`, or `--format LOG,FILE --out FILE`: a log format on stdout and a file format in the file. */
export function parseOutput(value: string, out: string | undefined): Output {
  const formats = value.split(',').map((f) => f.trim());
  const unknown = formats.find((f) => !FORMATS.includes(f as Format));
  if (unknown !== undefined) throw new UsageError(`--format takes ${FORMATS.join(', ')}, not '${unknown}'`);
  if (formats.length === 1) return { format: formats[0] as Format, ...(out ? { out } : {}) };
  const log = formats.filter((f) => LOG_FORMATS.includes(f as Format));
  const file = formats.filter((f) => !LOG_FORMATS.includes(f as Format));
  if (formats.length !== 2 || log.length !== 1 || file.length !== 1 || !out) {
    throw new UsageError(
      `--format '${value}': two formats are one for the log (text or github) and one for the file --out names (json or junit), e.g. --format github,junit --out junit.xml`,
    );
  }
  return { format: file[0] as Format, out, stdout: log[0] as 'text' | 'github' };
}

function render(report: RunReport, format: Format): string {
  switch (format) {
    case 'json':
      return toJson(report) + '\n';
    case 'junit':
      return toJunit(report);
    case 'github':
      return toGithub(report);
    case 'text':
      throw new Error('text output is written as the run goes');
  }
}

export interface TextSettings {
  /** `--quiet`: the failed checks with their findings, and the verdict line; no header, no progress. */
  quiet?: boolean;
  /** The config file the request came from: the header names it. */
  config?: string;
}

/** Runs one request and prints it; returns the exit code. */
export async function check(request: RunRequest, output: Output, settings: TextSettings = {}): Promise<{ code: number; report: RunReport }> {
  // Before the run: a report that cannot be written would be lost after it.
  if (output.out !== undefined) checkOut(output.out, request.dir, 'file');
  const tty = process.stdout.isTTY === true && !process.env.CI;
  const textOnStdout = output.format === 'text' || output.stdout === 'text';
  // `--format text --out FILE`: the text goes to the file, written once the run is over.
  const textFile = output.format === 'text' && output.out ? output.out : undefined;
  // Text alone with --out keeps its old meaning: plain text, nothing live; quiet has no progress to redraw.
  const live = tty && !settings.quiet && (output.format === 'text' ? !output.out : true);
  // FORCE_COLOR colours a pipe too (a CI log that renders ANSI), never a file.
  const color = textOnStdout && !textFile && wantsColor(process.stdout.isTTY);
  const buffered: string[] = [];
  const write = (s: string): void => void (textFile ? buffered.push(s) : process.stdout.write(s));
  const text = textOnStdout ? new TextReporter({ color, live, write }) : undefined;
  // The environment a set reads (`${VAR}` substitution) is the process's: read here, at the edge.
  const report = await runChecks({ env: process.env, ...request }, text ? textEvents(text, settings, write) : {});
  text?.summary(report);
  if (textFile) writeReport(textFile, buffered.join(''));
  if (output.format !== 'text') {
    const rendered = render(report, output.format);
    if (output.out) writeReport(output.out, rendered);
    else process.stdout.write(rendered);
  }
  if (output.stdout === 'github') process.stdout.write(toGithub(report));
  process.stdout.write(ciAnnotations(report, output, process.env));
  return { code: report.ok ? 0 : 1, report };
}

/**
 * The events the text output prints. Quiet: only a failed check's line (it says which check and
 * version its findings belong to) with its findings; the summary prints the verdict. Otherwise
 * everything, and under the header the config the settings came from.
 */
function textEvents(text: TextReporter, settings: TextSettings, write: (s: string) => void): RunEvents {
  if (settings.quiet) return { onCheckEnd: (result) => result.status === 'fail' && text.onCheckEnd({ ...result, notes: [] }) };
  return {
    onLoaded: (info) => {
      text.onLoaded(info);
      if (settings.config !== undefined) write(`config ${displayPath(settings.config)}\n`);
    },
    onServer: (info) => text.onServer(info),
    onCheckStart: (name, postgres) => text.onCheckStart(name, postgres),
    onProgress: (name, done, total, unit) => text.onProgress(name, done, total, unit),
    onCheckEnd: (result) => text.onCheckEnd(result),
  };
}

