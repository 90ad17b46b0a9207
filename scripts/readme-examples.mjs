#!/usr/bin/env node
/**
 * The README's example outputs, from real runs of the built CLI (run `npm run build` first).
 *
 *   node scripts/readme-examples.mjs --write   runs every example and rewrites README.md's blocks
 *   node scripts/readme-examples.mjs           runs them and exits 1 naming each block that drifted
 *
 * A block sits between `<!-- example: NAME -->` and `<!-- /example -->`; NAME is a key of EXAMPLES.
 * The scenario list sits between `<!-- scenarios -->` and `<!-- /scenarios -->`, made from the
 * files in scenarios/. Outputs are normalised so that a block holds only what every run prints:
 * durations become `…`, and so do the counts of the timed progress lines (how many a check prints
 * depends on the machine's speed, so drift is judged without them). test/integration/readme.test.ts
 * runs the same commands and fails when a block drifts.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const README = join(ROOT, 'README.md');
const BIN = join(ROOT, 'bin', 'migtest.js');

/** Every example the README shows: the arguments after `npx migtest`, and whether the exit code is shown. */
export const EXAMPLES = {
  'check certctl-double-run/broken': {
    args: ['check', 'migrations-under-test/certctl-double-run/broken', '--runner', 'rerun-all', '--checks', 'fresh,twice'],
    showExit: true,
  },
  'check certctl-double-run/fixed': {
    args: ['check', 'migrations-under-test/certctl-double-run/fixed', '--runner', 'rerun-all', '--checks', 'fresh,twice'],
  },
  'check duplicate-rows/broken': {
    args: ['check', 'migrations-under-test/duplicate-rows/broken', '--runner', 'rerun-all', '--checks', 'fresh,twice'],
  },
  'check golang-migrate-dirty/broken': {
    args: ['check', 'migrations-under-test/golang-migrate-dirty/broken', '--runner', 'golang-migrate', '--checks', 'fresh,twice,resume,fault', '--seed', '42'],
  },
  'check golang-migrate-dirty/fixed': {
    args: [
      'check', 'migrations-under-test/golang-migrate-dirty/fixed', '--runner', 'golang-migrate', '--runner-option', 'transactions=true',
      '--checks', 'fresh,twice,resume,fault', '--exhaustive',
    ],
  },
  'lint certctl-double-run/broken': {
    args: ['lint', 'migrations-under-test/certctl-double-run/broken', '--runner', 'rerun-all'],
  },
  'check codd-retry/broken': {
    args: ['check', 'migrations-under-test/codd-retry/broken', '--runner', 'codd', '--checks', 'retry', '--seed', '42'],
  },
  'check schema-drift/broken': {
    args: ['check', 'migrations-under-test/schema-drift/broken', '--runner', 'golang-migrate', '--checks', 'expected'],
  },
};

const DURATION = String.raw`\d+(?:\.\d+)? ?(?:ms|s|min|m)`;
/** A timed progress line of a check (`  · fault    pg 17  12% (3/25 draws)  1.8 s`; the unit is `cases` or `draws`). */
const PROGRESS = /^(\s+· \S+\s+pg \S+\s+)\d+% \(\d+\/\d+( \w+)?\)\s+.*$/;

/** What every run prints alike: durations and timed progress counts as `…`, repeated progress lines once, reaping lines dropped. */
export function normalise(output) {
  const lines = [];
  for (const raw of output.replace(/\r\n/g, '\n').split('\n')) {
    // A run that removes what a killed run left says so: true, but not part of the example.
    if (raw.startsWith('migtest: removed what ended runs left behind')) continue;
    let line = raw
      .replace(new RegExp(`(ready in )${DURATION}`), '$1…')
      .replace(new RegExp(`(\\d+ (?:cases?|statements?|objects?)\\s+)${DURATION}$`), '$1…')
      .replace(new RegExp(`\\(${DURATION}\\)$`), '(…)')
      .replace(/("durationMs": )\d+/, '$1…');
    const progress = PROGRESS.exec(line);
    if (progress) line = `${progress[1]}…% (…/…${progress[2] ?? ''})  …`;
    if (progress && lines.at(-1) === line) continue;
    lines.push(line);
  }
  while (lines.at(-1) === '') lines.pop();
  return lines.join('\n');
}

/** What the drift test compares: the normalised text without the timed progress lines. */
export function comparable(text) {
  return normalise(text)
    .split('\n')
    .filter((line) => !PROGRESS.test(line) && !/^\s+· \S+\s+pg \S+\s+…% \(…\/…( \w+)?\)/.test(line))
    .join('\n');
}

function quote(arg) {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** The environment of a person at a terminal-less shell: no colour, no CI, no GitHub Actions. */
function exampleEnv() {
  const env = { ...process.env, NO_COLOR: '1' };
  for (const name of ['CI', 'GITHUB_ACTIONS', 'GITHUB_WORKSPACE', 'FORCE_COLOR', 'DATABASE_URL']) delete env[name];
  return env;
}

/** Runs one example from the repository's root, stdout and stderr interleaved as a terminal shows them. */
export async function runExample(name) {
  const example = EXAMPLES[name];
  if (!example) throw new Error(`no example named ${name}`);
  const folder = mkdtempSync(join(tmpdir(), 'migtest-readme-'));
  const file = join(folder, 'output');
  const fd = openSync(file, 'w');
  try {
    const code = await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...example.args], { cwd: ROOT, env: exampleEnv(), stdio: ['ignore', fd, fd] });
      child.on('error', reject);
      child.on('close', (exit) => resolve(exit));
    });
    const output = readFileSync(file, 'utf8');
    const lines = [`$ npx migtest ${example.args.map(quote).join(' ')}`, normalise(output)];
    if (example.showExit) lines.push('$ echo $?', String(code));
    return lines.join('\n');
  } finally {
    closeSync(fd);
    rmSync(folder, { recursive: true, force: true });
  }
}

const BLOCK = /<!-- example: (.+?) -->\n```[^\n]*\n([\s\S]*?)\n```\n<!-- \/example -->/g;

/** The README's example blocks: name → the text inside the fence. */
export function readmeBlocks(readme) {
  const blocks = new Map();
  for (const match of readme.matchAll(BLOCK)) blocks.set(match[1], match[2]);
  return blocks;
}

function replaceBlocks(readme, outputs) {
  return readme.replace(BLOCK, (whole, name) => {
    const output = outputs.get(name);
    if (output === undefined) return whole;
    return `<!-- example: ${name} -->\n\`\`\`\n${output}\n\`\`\`\n<!-- /example -->`;
  });
}

/** The scenario names, from the files in scenarios/. */
export function scenarioNames() {
  return readdirSync(join(ROOT, 'scenarios'))
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

/** The scenario list: one `npx migtest run` line per scenario file, with its runner. */
export function scenarioList() {
  const names = scenarioNames();
  const width = Math.max(...names.map((name) => `npx migtest run scenarios/${name}`.length)) + 2;
  const lines = names.map((name) => {
    const { runner, tool } = JSON.parse(readFileSync(join(ROOT, 'scenarios', `${name}.json`), 'utf8'));
    // A scenario of a real tool names the tool's program.
    return `npx migtest run scenarios/${name}`.padEnd(width) + `# ${runner ?? `--tool ${String(tool).split(' ')[0]}`}`;
  });
  return `<!-- scenarios -->\n\`\`\`\n${lines.join('\n')}\n\`\`\`\n<!-- /scenarios -->`;
}

const SCENARIOS = /<!-- scenarios -->\n[\s\S]*?<!-- \/scenarios -->/;

export function readmeScenarios(readme) {
  return SCENARIOS.exec(readme)?.[0];
}

async function main() {
  const write = process.argv.includes('--write');
  const readme = readFileSync(README, 'utf8');
  const blocks = readmeBlocks(readme);
  const unknown = [...blocks.keys()].filter((name) => !(name in EXAMPLES));
  if (unknown.length > 0) throw new Error(`README.md has blocks no example makes: ${unknown.join(', ')}`);
  const missing = Object.keys(EXAMPLES).filter((name) => !blocks.has(name));
  if (missing.length > 0) throw new Error(`README.md has no block for: ${missing.join(', ')} (add <!-- example: NAME --> … <!-- /example -->)`);
  const outputs = new Map();
  // Two at a time: each starts a server, and a test machine has few cores.
  const names = Object.keys(EXAMPLES);
  const worker = async () => {
    for (let name = names.shift(); name !== undefined; name = names.shift()) {
      process.stderr.write(`running ${name}\n`);
      outputs.set(name, await runExample(name));
    }
  };
  await Promise.all([worker(), worker()]);
  if (write) {
    let next = replaceBlocks(readme, outputs);
    if (readmeScenarios(next) === undefined) throw new Error('README.md has no <!-- scenarios --> … <!-- /scenarios --> block');
    next = next.replace(SCENARIOS, () => scenarioList());
    writeFileSync(README, next);
    process.stderr.write(`wrote ${outputs.size} examples and ${scenarioNames().length} scenarios into README.md\n`);
    return;
  }
  const drifted = [...outputs].filter(([name, output]) => comparable(output) !== comparable(blocks.get(name)));
  if (readmeScenarios(readme) !== scenarioList()) drifted.push(['scenarios']);
  for (const [name] of drifted) process.stderr.write(`drifted: ${name}\n`);
  if (drifted.length > 0) {
    process.stderr.write('run: node scripts/readme-examples.mjs --write\n');
    process.exitCode = 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  });
}
