// The wire proxy's cost (issue 18): the fresh apply of a 45-file set (bench/down-set.js's ups),
// direct to the server and through the proxy, in the same run: once with an in-process pg client
// sending each file as one string, once with the real dbmate (the same files in its format, its own
// tracker statements too). Then check `fault` with the real dbmate on that set (a seeded sample):
// cases per second. Run after `npm run build`: `node bench/proxy.js`; BENCH_ITERATIONS=N (default 5),
// BENCH_FAULT_RUNS=N (default 20).
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { Bench } from 'tinybench';
import { startEmbedded } from '../dist/postgres/embedded.js';
import { WireProxy } from '../dist/faults/proxy/proxy.js';
import { toolUrl, targetOf } from '../dist/faults/proxy/command.js';
import { runChecks } from '../dist/run.js';
import { writeDownSet } from './down-set.js';
import { scratchDir } from './scratch.js';

const run = promisify(execFile);
const iterations = Number(process.env.BENCH_ITERATIONS ?? 5);
const faultRuns = Number(process.env.BENCH_FAULT_RUNS ?? 20);
const scratch = scratchDir('migtest-bench-proxy-');
const ups = writeDownSet(join(scratch, 'golang-migrate'));
const files = readdirSync(ups).filter((f) => f.endsWith('.up.sql')).sort().map((f) => readFileSync(join(ups, f), 'utf8'));
// The same migrations in dbmate's format: one file each, an up section and an empty down.
const dbmateDir = join(scratch, 'dbmate');
mkdirSync(dbmateDir);
files.forEach((text, i) => writeFileSync(join(dbmateDir, `${String(20240101000000 + i)}_step_${i + 1}.sql`), `-- migrate:up\n${text}\n-- migrate:down\n`));
const DBMATE = resolve('node_modules/@dbmate/linux-x64/bin/dbmate');

const server = await startEmbedded({ major: 17 });
const proxy = await WireProxy.start({ target: { host: '127.0.0.1', port: 0 } });
const load = loadavg()[0].toFixed(1);

/** A new database, and where a client reaches it: the server itself, or the proxy in front of it. */
async function target(through) {
  const db = await server.createDatabase();
  proxy.target.host = String(db.config.host);
  proxy.target.port = Number(db.config.port);
  const config = through ? { ...db.config, host: proxy.host, port: proxy.port } : db.config;
  return { db, config };
}

async function applyInProcess(through) {
  const { db, config } = await target(through);
  const client = new pg.Client(config);
  await client.connect();
  for (const text of files) await client.query(text);
  await client.end();
  await server.dropDatabase(db.name);
}

async function applyWithDbmate(through) {
  const { db, config } = await target(through);
  // The embedded server listens on a Unix socket: a direct URL names its folder as libpq does.
  const direct = String(config.host).startsWith('/');
  const url = direct
    ? `postgresql://${encodeURIComponent(String(db.config.user))}@/${db.config.database}?host=${encodeURIComponent(String(config.host))}&port=${config.port}&sslmode=disable`
    : toolUrl(targetOf(String(config.host), Number(config.port), db.config));
  await run(DBMATE, ['--url', url, '--migrations-dir', dbmateDir, '--no-dump-schema', 'up']);
  await server.dropDatabase(db.name);
}

try {
  const bench = new Bench({ iterations, time: 0, warmup: true, warmupIterations: 1 });
  bench.add('pg client, direct (baseline)', () => applyInProcess(false), { async: true });
  bench.add('pg client, through the proxy', () => applyInProcess(true), { async: true });
  bench.add('dbmate up, direct (baseline)', () => applyWithDbmate(false), { async: true });
  bench.add('dbmate up, through the proxy', () => applyWithDbmate(true), { async: true });
  await bench.run();
  for (const task of bench.tasks) if (task.result?.error) throw task.result.error;
  const mean = (task) => task.result.latency?.mean ?? task.result.mean;
  const rows = bench.tasks.map((t, i) => {
    const base = mean(bench.tasks[i - (i % 2)]);
    return { task: t.name, 'mean ms': mean(t).toFixed(0), overhead: i % 2 === 1 ? `${(((mean(t) - base) / base) * 100).toFixed(1)}%` : '' };
  });
  console.table(rows);

  const began = performance.now();
  const report = await runChecks({
    dir: dbmateDir,
    runner: 'tool',
    tool: `${DBMATE} --url {url} --migrations-dir {dir} --no-dump-schema up`,
    toolTracker: ['schema_migrations'],
    checks: ['fault'],
    postgres: [17],
    provider: 'embedded',
    server,
    options: { seed: 1, runs: faultRuns },
    runnerOptions: {},
  });
  const seconds = (performance.now() - began) / 1000;
  const fault = report.checks[0];
  if (fault.status !== 'pass') throw new Error(`fault on the generated set: ${fault.status} ${JSON.stringify(fault.findings.map((f) => f.message))}`);
  console.log(`fault with the real dbmate: ${fault.cases} cases of ${fault.details.boundaries * 3} (${fault.details.boundaries} statements x 3 kinds) in ${seconds.toFixed(1)} s: ${(fault.cases / seconds).toFixed(2)} cases/s (with the first fresh run and the tracker's calibration run)`);
  console.log(`${files.length} files, PostgreSQL ${server.version}, ${iterations} iterations each, ${cpus().length} cores, load ${load} at the start, ${loadavg()[0].toFixed(1)} at the end`);
} finally {
  await proxy.stop();
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
}
