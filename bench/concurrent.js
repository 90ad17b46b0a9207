// Check `concurrent` (sampled: 2 replicas, the default 8 cases, --seed 1) on a set of 45 files, each
// one CREATE TABLE IF NOT EXISTS and one seed ON CONFLICT DO NOTHING, written to a temporary folder,
// measured with tinybench against `fresh` on the same set in the same run: under rerun-all (no lock:
// the race is found at once, then shrunk) and under golang-migrate (its advisory lock: every case
// passes, the second replica waiting for the first's whole run). Issue 16 asks for under 10 s.
// Run after `npm run build`: `node bench/concurrent.js`; BENCH_ITERATIONS=N (default 3), BENCH_FILES=N.
import { rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { startEmbedded } from '../dist/postgres/embedded.js';
import { runChecks } from '../dist/run.js';
import { scratchDir } from './scratch.js';

const FILES = Number(process.env.BENCH_FILES ?? 45);
const iterations = Number(process.env.BENCH_ITERATIONS ?? 3);
const dir = scratchDir('migtest-bench-concurrent-');
for (let i = 1; i <= FILES; i++) {
  const n = String(i).padStart(6, '0');
  writeFileSync(
    join(dir, `${n}_t_${i}.up.sql`),
    `CREATE TABLE IF NOT EXISTS t_${i} (id text PRIMARY KEY, v text NOT NULL DEFAULT 'x');\nINSERT INTO t_${i} (id) VALUES ('a'), ('b') ON CONFLICT (id) DO NOTHING;\n`,
  );
}
const server = await startEmbedded({ major: 17 });
const load = loadavg()[0].toFixed(1);

/** One check on the set under `runner`, as `migtest check` runs it; it must end with `expect`. */
async function check(name, runner, expect) {
  const report = await runChecks({ dir, runner, checks: [name], postgres: [17], provider: 'embedded', server, options: { seed: 1 }, runnerOptions: {} });
  const result = report.checks[0];
  if (result.status !== expect) throw new Error(`${name} under ${runner}: expected ${expect}, got ${result.status}`);
}

try {
  const bench = new Bench({ iterations, time: 0, warmup: false });
  // `async: true`: otherwise tinybench calls the function once more to find out, and that run
  // would overlap the first measured one.
  bench.add('fresh, golang-migrate (baseline)', () => check('fresh', 'golang-migrate', 'pass'), { async: true });
  bench.add('concurrent, rerun-all (race found, shrunk)', () => check('concurrent', 'rerun-all', 'fail'), { async: true });
  bench.add('concurrent, golang-migrate (locked: passes)', () => check('concurrent', 'golang-migrate', 'pass'), { async: true });
  await bench.run();
  for (const task of bench.tasks) if (task.result?.error) throw task.result.error;
  const mean = (task) => task.result.latency?.mean ?? task.result.mean;
  const base = mean(bench.tasks[0]);
  console.table(bench.tasks.map((t) => ({ task: t.name, 'mean s': (mean(t) / 1000).toFixed(2), 'x fresh': (mean(t) / base).toFixed(1) })));
  console.log(`${FILES} files, PostgreSQL ${server.version}, ${iterations} iterations each, ${cpus().length} cores, load ${load} at the start, ${loadavg()[0].toFixed(1)} at the end`);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
