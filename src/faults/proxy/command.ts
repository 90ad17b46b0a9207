import { spawn } from 'node:child_process';
import path from 'node:path';
import type pg from 'pg';
import { shellWord } from '../../checks/paths.js';

/*
 * Running a real tool's own command line against one case database, through the proxy: the tool
 * finds the database where tools look for it (DATABASE_URL, the libpq PG* variables, or a `{url}`
 * in its arguments), and its exit code and output say whether it succeeded.
 */

export interface ToolCommand {
  /** A shell command line; `{url}` stands for the case database's URL, `{dir}` for the set's folder. */
  command: string;
  /** The set's folder (absolute), for `{dir}`. */
  dir: string;
  /** Past it, the tool's whole process group is killed and the run counts as failed. */
  timeoutMs: number;
}

export interface CommandResult {
  /** The exit code; null when a signal or the timeout ended it. */
  code: number | null;
  timedOut: boolean;
  /** Standard output and error interleaved, the password masked, at most OUTPUT_KEPT characters (the end). */
  output: string;
  durationMs: number;
}

const OUTPUT_KEPT = 16_000;

/** Where the tool connects: the proxy's address, and the case database's name and login. */
export interface ToolTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
}

export function targetOf(host: string, port: number, config: pg.ClientConfig): ToolTarget {
  return {
    host,
    port,
    database: String(config.database),
    user: String(config.user),
    ...(config.password !== undefined && config.password !== null ? { password: String(config.password) } : {}),
  };
}

/**
 * The URL a tool is given; the proxy refuses TLS, so the URL says not to ask for it. The scheme is
 * `postgresql://`, which every driver takes (SQLAlchemy refuses `postgres://`).
 */
export function toolUrl(target: ToolTarget): string {
  const login = encodeURIComponent(target.user) + (target.password !== undefined ? `:${encodeURIComponent(target.password)}` : '');
  return `postgresql://${login}@${target.host}:${target.port}/${encodeURIComponent(target.database)}?sslmode=disable`;
}

/** The environment every libpq-based, JDBC-wrapping or DATABASE_URL-reading tool finds its database in. */
export function toolEnvironment(target: ToolTarget): Record<string, string> {
  return {
    DATABASE_URL: toolUrl(target),
    PGHOST: target.host,
    PGPORT: String(target.port),
    PGUSER: target.user,
    PGDATABASE: target.database,
    PGSSLMODE: 'disable',
    ...(target.password !== undefined ? { PGPASSWORD: target.password } : {}),
  };
}

/** The command line with its placeholders filled in, each as one shell word. */
export function commandLine(tool: ToolCommand, target: ToolTarget): string {
  return tool.command.replaceAll('{url}', shellWord(toolUrl(target))).replaceAll('{dir}', shellWord(tool.dir));
}

/** Runs the tool once; never rejects for the tool's own failure (that is the result). */
export function runCommand(tool: ToolCommand, target: ToolTarget, baseEnv: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  const began = performance.now();
  return new Promise((resolve, reject) => {
    // Its own process group: a timeout kills the tool and whatever it started (a JVM, a shell's children).
    // As in npm scripts, a tool installed as a dependency of the project is found by its name.
    const PATH = [path.resolve('node_modules/.bin'), baseEnv.PATH ?? ''].filter(Boolean).join(path.delimiter);
    const child = spawn('/bin/sh', ['-c', commandLine(tool, target)], {
      env: { ...baseEnv, PATH, ...toolEnvironment(target) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.length > 2 * OUTPUT_KEPT) output = output.slice(-OUTPUT_KEPT);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, tool.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      // Children the tool left behind go with it.
      killGroup(child.pid);
      resolve({ code, timedOut, output: mask(output.slice(-OUTPUT_KEPT), target.password), durationMs: Math.round(performance.now() - began) });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** The password never reaches output, whether the tool prints its URL or not. */
function mask(text: string, password: string | undefined): string {
  if (!password) return text;
  return text.replaceAll(password, '***').replaceAll(encodeURIComponent(password), '***');
}
