// Time of `concurrent` (sampled, 2 replicas, the default 8 cases, --seed 1) on a set of 45 files,
// each one CREATE TABLE IF NOT EXISTS and one seed ON CONFLICT DO NOTHING, written to a temporary
// folder: under rerun-all (no lock: the race is found at once, then shrunk) and under golang-migrate
// (its advisory lock: every case passes, the second replica waiting for the first's whole run).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbedded } from '../dist/postgres/embedded.js';
import { runChecks } from '../dist/run.js';

const FILES = Number(process.env.BENCH_FILES ?? 45);
const dir = mkdtempSync(join(tmpdir(), 'migtest-bench-concurrent-'));
for (let i = 1; i <= FILES; i++) {
  const n = String(i).padStart(6, '0');
  writeFileSync(
    join(dir, `${n}_t_${i}.up.sql`),
    `CREATE TABLE IF NOT EXISTS t_${i} (id text PRIMARY KEY, v text NOT NULL DEFAULT 'x');\nINSERT INTO t_${i} (id) VALUES ('a'), ('b') ON CONFLICT (id) DO NOTHING;\n`,
  );
}
const server = await startEmbedded({ major: 17 });
const load = loadavg()[0].toFixed(1);
try {
  for (const runner of ['rerun-all', 'golang-migrate']) {
    const report = await runChecks({ dir, runner, checks: ['concurrent'], postgres: [17], provider: 'embedded', server, options: { seed: 1 }, runnerOptions: {} });
    const check = report.checks[0];
    console.log(`| ${runner} | ${FILES} | ${check.status} | ${check.cases} | ${check.durationMs} | ${check.findings[0]?.sqlstate ?? ''} |`);
  }
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  console.log(`load average ${load} at the start, ${loadavg()[0].toFixed(1)} at the end`);
}
