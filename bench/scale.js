// How the cost of a case grows with the size of the set, per check (issue 19, item 1): generated
// sets (bench/scale-set.js) of 25 to 400 migrations, each check run as `migtest check --checks X`
// runs it (the library's runChecks, a new States per check, so a check pays for the fresh state it
// builds), all on one embedded PostgreSQL 17 server started once. Prints a markdown table and
// writes bench/scale.svg. Run after `npm run build`: `node bench/scale.js` (`npm run bench:scale`).
//
// BENCH_SIZES=25,50 and BENCH_CHECKS=fault,resume choose; BENCH_RUNS (default 3) and BENCH_SEED
// (default 1) are the sampled checks' --runs and --seed; BENCH_RETRY_CASES (default 12) bounds
// check retry, whose designed cases (about three per migration) always all run: it runs shard
// 1/k of them, k chosen so that about that many remain; BENCH_DOWN_MAX (default 200): check down
// is an enumeration (one case per migration) with no shard, so larger sizes leave it out.
// BENCH_BASELINE_DIST=/path/to/dist measures the same tasks with the library loaded from there too.
// BENCH_SVG (default bench/scale.svg) says where the plot goes.
import { rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { startEmbedded } from '../dist/postgres/embedded.js';
import { writeScaleSet } from './scale-set.js';
import { markdownTable, scalePlot } from './scale-report.js';
import { scratchDir } from './scratch.js';

const here = dirname(fileURLToPath(import.meta.url));
const ALL_CHECKS = ['fresh', 'twice', 'resume', 'fault', 'retry', 'down', 'populated', 'concurrent'];
const list = (value, fallback) => (value ? value.split(',').map((s) => s.trim()).filter(Boolean) : fallback);
const sizes = list(process.env.BENCH_SIZES, ['25', '50', '100', '200', '400']).map(Number);
const checks = list(process.env.BENCH_CHECKS, ALL_CHECKS);
for (const c of checks) if (!ALL_CHECKS.includes(c)) throw new Error(`BENCH_CHECKS: unknown check ${c} (one of ${ALL_CHECKS.join(', ')})`);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const seed = Number(process.env.BENCH_SEED ?? 1);
const retryCases = Number(process.env.BENCH_RETRY_CASES ?? 12);
const downMax = Number(process.env.BENCH_DOWN_MAX ?? 200);
const svgPath = resolve(process.env.BENCH_SVG ?? join(here, 'scale.svg'));
const baselineDist = process.env.BENCH_BASELINE_DIST;
/**
 * rerun-all runs every file at every boot, so every up is guarded and the checks that run a set
 * again mean something; `down` needs a tool with down migrations, and `concurrent` one with a
 * lock (two rerun-all replicas race on any CREATE TABLE IF NOT EXISTS: that is a finding, not a
 * cost): golang-migrate, on the same folder. BENCH_RUNNER runs every check under one model.
 */
const RUNNER = { down: 'golang-migrate', concurrent: 'golang-migrate' };
const runnerOf = (check) => process.env.BENCH_RUNNER ?? RUNNER[check] ?? 'rerun-all';
const RETRY = 'max 3 backoff constant 1ms';

const libraries = [{ name: 'current', lib: await import('../dist/index.js') }];
if (baselineDist) {
  const lib = await import(pathToFileURL(join(resolve(baselineDist), 'index.js')).href);
  libraries.push({ name: 'baseline', lib });
}
const commit = (dir) => {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
};

const root = scratchDir('migtest-bench-scale-');
const server = await startEmbedded({ major: 17 });
const loads = [loadavg()[0]];
/** `results[library][check][size]`: { wallMs, durationMs, cases, status }. */
const results = Object.fromEntries(libraries.map((l) => [l.name, Object.fromEntries(checks.map((c) => [c, {}]))]));

/** The options `migtest check --checks <check> --runs R --seed S` would give, bounded as said above. */
function requestFor(check, size, dir) {
  const options = { seed, runs };
  if (check === 'retry') {
    const count = Math.max(1, Math.round((3 * size) / retryCases));
    if (count > 1) options.shard = { index: 1, count };
  }
  return {
    dir,
    runner: runnerOf(check),
    checks: [check],
    postgres: [],
    provider: 'embedded',
    server,
    options,
    ...(check === 'retry' ? { retry: RETRY } : {}),
  };
}

async function measure(library, check, size, dir) {
  const begun = performance.now();
  const report = await library.lib.runChecks(requestFor(check, size, dir));
  const wallMs = performance.now() - begun;
  const result = report.checks.find((c) => c.name === check);
  const entry = { wallMs, durationMs: result?.durationMs ?? wallMs, cases: result?.cases ?? 0, status: result?.status ?? 'missing' };
  if (result && result.status !== 'pass') {
    const first = result.findings[0];
    entry.why = result.reason ?? `${first?.sqlstate ?? ''} ${first?.message ?? ''}`.trim();
  }
  results[library.name][check][size] = entry;
  loads.push(loadavg()[0]);
  const shard = report.shard ? ` shard ${report.shard.index}/${report.shard.count}` : '';
  console.error(`${library.name.padEnd(8)} ${String(size).padStart(4)} ${check.padEnd(10)} ${entry.status} ${entry.cases} cases${shard} ${(wallMs / 1000).toFixed(1)} s${entry.why ? ` (${entry.why})` : ''}`);
}

const view = (measured) => ({ sizes: measured, checks, results, libraries: libraries.map((l) => l.name) });
const started = performance.now();
try {
  // Unrecorded: the first check in a process pays for the JIT, the parser's WebAssembly and the
  // server's first catalog reads.
  const warm = writeScaleSet(join(root, 'warm-up'), Math.min(...sizes), seed);
  for (const library of libraries) await library.lib.runChecks(requestFor('fresh', Math.min(...sizes), warm));
  for (const [i, size] of sizes.entries()) {
    const dir = writeScaleSet(join(root, `set-${size}`), size, seed);
    const plainDir = writeScaleSet(join(root, `set-${size}-plain`), size, seed, { concurrently: false });
    for (const check of checks) {
      if (check === 'down' && size > downMax) continue;
      // Alternate which library goes first, so load drifting over a run falls on both alike.
      const order = i % 2 === 0 ? libraries : [...libraries].reverse();
      for (const library of order) await measure(library, check, size, check === 'concurrent' ? plainDir : dir);
    }
    // After every size, so that a run stopped early leaves the plot of what it measured.
    writeFileSync(svgPath, scalePlot(view(sizes.slice(0, i + 1))));
  }
  const totalS = (performance.now() - started) / 1000;
  const header = [
    `${new Date().toISOString().slice(0, 10)}, commit ${commit(resolve(here, '..'))}${baselineDist ? ` against baseline ${commit(resolve(baselineDist, '..'))} (${baselineDist})` : ''}`,
    `PostgreSQL ${server.version} (embedded), node ${process.version}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} (1 min, sampled after each task); whole run ${Math.round(totalS)} s.`,
    `--runs ${runs} --seed ${seed}; retry under \`--retry "${RETRY}"\`, shard 1/k of its cases (about ${retryCases}); down up to ${downMax} migrations; ${checks.map((c) => `${c}: ${runnerOf(c)}`).join(', ')}.`,
  ];
  const table = markdownTable(view(sizes));
  console.log(`${header.join('\n')}\n\n${table}`);
  console.error(`plot: ${svgPath}`);
} finally {
  await server.stop();
  rmSync(root, { recursive: true, force: true });
}
