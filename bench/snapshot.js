// The state's full snapshot and its server-side hash against `pg_dump --schema-only` (Debian's
// postgresql-client 15), all on one generated schema of a few hundred tables in one database of an
// embedded PostgreSQL 15 server, measured in the same run. pg_dump is the baseline: the usual way
// to get a schema out of PostgreSQL. Run after `npm run build`: `node bench/snapshot.js`.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cpus, loadavg, totalmem } from 'node:os';
import pg from 'pg';
import { Bench } from 'tinybench';
import { startEmbedded } from '../dist/postgres/embedded.js';
import { takeSnapshot, snapshotHash } from '../dist/snapshot/snapshot.js';
import { forgetKept } from '../dist/snapshot/kept-texts.js';
import { stateHash } from '../dist/snapshot/hash.js';
import { schemaSql } from './wide-schema.js';
import { commit } from './commit.js';
import './scratch.js';

const TABLES = Number(process.env.BENCH_TABLES ?? 240);
const iterations = Number(process.env.BENCH_ITERATIONS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const PG_DUMP = process.env.PG_DUMP ?? '/usr/bin/pg_dump';
const MAJOR = 15;

/** pg_dump must be there and of the server's major version, or the comparison means nothing. */
function pgDumpVersion() {
  const fix = `install it: apt-get install postgresql-client-${MAJOR} (or set PG_DUMP to a pg_dump ${MAJOR})`;
  if (!existsSync(PG_DUMP)) {
    console.error(`bench/snapshot.js: ${PG_DUMP} is missing; ${fix}`);
    process.exit(2);
  }
  const version = execFileSync(PG_DUMP, ['--version'], { encoding: 'utf8' }).trim();
  if (!new RegExp(`\\) ${MAJOR}\\.`).test(version)) {
    console.error(`bench/snapshot.js: ${PG_DUMP} is "${version}", not ${MAJOR}; ${fix}`);
    process.exit(2);
  }
  return version;
}

/** pg_dump as a user would run it against this database, with the settings the client uses. */
function pgDump(config, output) {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    PGHOST: String(config.host),
    PGPORT: String(config.port),
    PGUSER: String(config.user),
    PGDATABASE: String(config.database),
    ...(config.password ? { PGPASSWORD: String(config.password) } : {}),
  };
  return new Promise((resolve, reject) => {
    execFile(
      PG_DUMP,
      ['--schema-only', '--no-password', '--file', output],
      { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
      (error, _stdout, stderr) => (error ? reject(new Error(`pg_dump failed: ${stderr.trim() || error.message}`)) : resolve()),
    );
  });
}


const dumpVersion = pgDumpVersion();
const loadStart = loadavg()[0].toFixed(1);
const server = await startEmbedded({ major: MAJOR });
const clients = [];
try {
  const db = await server.createDatabase();
  const empty = await server.createDatabase();
  const setup = new pg.Client(db.config);
  await setup.connect();
  clients.push(setup);
  await setup.query(schemaSql(TABLES));
  // Planner statistics as a migrated database would have them; pg_dump and the snapshot both
  // read the catalogs, and a first ANALYZE keeps the first measured run from paying for it.
  await setup.query('ANALYZE');
  const tableCount = Number((await setup.query(
    `SELECT count(*) AS n FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')`,
  )).rows[0].n);

  // Each way must see the whole schema before its time means anything.
  const dumpFile = `/tmp/bench-snapshot-${process.pid}.sql`;
  await pgDump(db.config, dumpFile);
  const dumped = (readFileSync(dumpFile, 'utf8').match(/^CREATE TABLE /gm) ?? []).length;
  rmSync(dumpFile);
  const warm = new pg.Client(db.config);
  await warm.connect();
  clients.push(warm);
  const first = await takeSnapshot(warm);
  const snapshotted = Object.values(first.objects).filter((o) => o.kind === 'table').length;
  if (dumped !== tableCount || snapshotted !== tableCount) {
    throw new Error(`expected ${tableCount} tables everywhere; pg_dump wrote ${dumped}, the snapshot has ${snapshotted}`);
  }
  const expectedSnapshot = snapshotHash(first);
  const expectedHash = (await stateHash(warm)).all;
  const seen = { snapshots: new Set(), hashes: new Set() };

  const fresh = async (read) => {
    const client = new pg.Client(db.config);
    await client.connect();
    try {
      return await read(client);
    } finally {
      await client.end();
    }
  };
  // The snapshots read are checked after the rounds: hashing one (canonical JSON of thousands of
  // objects, then sha256) is the bench's check, not the snapshot's cost.
  const read = [];
  const snapshot = async (client) => void read.push(await takeSnapshot(client));
  const hash = async (client) => seen.hashes.add((await stateHash(client)).all);
  const expectedRaw = (await stateHash(warm, { canonical: false })).raw;
  const raw = async (client) => {
    if ((await stateHash(client, { canonical: false })).raw !== expectedRaw) throw new Error('the raw digest changed between runs');
  };

  // BENCH_BASELINE_DIST: the same reads with another build's functions (a worktree of an older
  // commit, built), in the same rounds: before and after measured in one run.
  const before = [];
  const baselineRead = [];
  if (process.env.BENCH_BASELINE_DIST) {
    const dist = resolve(process.env.BENCH_BASELINE_DIST);
    const old = {
      ...(await import(pathToFileURL(join(dist, 'snapshot/snapshot.js')).href)),
      ...(await import(pathToFileURL(join(dist, 'snapshot/hash.js')).href)),
    };
    // A connection of its own: each build knows only the statements it prepared itself, and two
    // builds may name the same statement.
    const oldWarm = new pg.Client(db.config);
    await oldWarm.connect();
    clients.push(oldWarm);
    before.push(
      ['baseline: takeSnapshot, connected client', async () => void baselineRead.push(await old.takeSnapshot(oldWarm))],
      ['baseline: stateHash, connected client', () => old.stateHash(oldWarm)],
      ['baseline: stateHash raw digest only (canonical: false), connected client', () => old.stateHash(oldWarm, { canonical: false })],
    );
  }

  const tasks = [
    ['pg_dump --schema-only', () => pgDump(db.config, '/dev/null')],
    ['takeSnapshot, connected client', () => snapshot(warm)],
    // The same, every index definition deparsed by the server: the first snapshot of a database
    // migtest has not read before, nor a copy of one (src/snapshot/kept-texts.ts).
    [
      'takeSnapshot, connected client, no definition kept',
      () => {
        forgetKept();
        return snapshot(warm);
      },
    ],
    ['stateHash, connected client', () => hash(warm)],
    // What the fault check tries first on a copy of a kept state (States.hashAgainst).
    ['stateHash raw digest only (canonical: false), connected client', () => raw(warm)],
    ['takeSnapshot, new connection', () => fresh(snapshot)],
    ['stateHash, new connection', () => fresh(hash)],
    ['pg_dump --schema-only, empty database', () => pgDump(empty.config, '/dev/null')],
    ...before,
  ];
  // Rounds, each task in turn with the order rotated: on a shared machine the load drifts over
  // minutes, and a task measured only at the start or only at the end would carry that drift.
  const samples = new Map(tasks.map(([name]) => [name, []]));
  const roundRatios = new Map(tasks.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({
      iterations, time: 0, warmup: round === 0, warmupIterations: 2, warmupTime: 0, retainSamples: true,
    });
    const order = tasks.map((_, i) => tasks[(i + round) % tasks.length]);
    // `async: true`: otherwise tinybench calls each function once more to find out.
    for (const [name, fn] of order) bench.add(name, fn, { async: true });
    await bench.run();
    const means = new Map();
    for (const task of bench.tasks) {
      if (task.result.state !== 'completed') throw task.result.error ?? new Error(`${task.name}: ${task.result.state}`);
      samples.get(task.name).push(...task.result.latency.samples);
      means.set(task.name, task.result.latency.mean);
    }
    for (const [name] of tasks) roundRatios.get(name).push(means.get(tasks[0][0]) / means.get(name));
  }
  // Every run must have read the same state: a way that read less would look faster.
  for (const taken of read) seen.snapshots.add(snapshotHash(taken));
  if (new Set(baselineRead.map(snapshotHash)).size > 1) throw new Error('the baseline snapshot changed between runs');
  if (seen.snapshots.size !== 1 || !seen.snapshots.has(expectedSnapshot)) throw new Error('the snapshot changed between runs');
  if (seen.hashes.size !== 1 || !seen.hashes.has(expectedHash)) throw new Error('the state hash changed between runs');

  const stats = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
    const sd = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1));
    const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    return { mean, p50: at(0.5), p99: at(0.99), rme: (100 * 1.96 * sd) / Math.sqrt(values.length) / mean };
  };
  const baseline = stats(samples.get(tasks[0][0])).mean;
  const kinds = {};
  for (const object of Object.values(first.objects)) kinds[object.kind] = (kinds[object.kind] ?? 0) + 1;
  // Printed ready to paste into bench/README.md: the catalog queries change, and so do the numbers.
  console.log(`#### ${new Date().toISOString().slice(0, 10)}, commit ${commit()}`);
  console.log();
  console.log(`PostgreSQL ${server.version} (embedded), ${dumpVersion}, node ${process.version}; ${cpus().length} cores, ${Math.round(totalmem() / 1024 ** 3)} GiB; load average ${loadStart} at the start, ${loadavg()[0].toFixed(1)} at the end.`);
  console.log(`${tableCount} tables; snapshot objects: ${Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(', ')}. ${rounds} rounds of ${iterations} runs per task, task order rotated each round, 2 warm-up runs per task before the first.`);
  console.log();
  console.log('| task | mean ms | p50 ms | p99 ms | ± % (95%) | ops/s | ratio to pg_dump | ratio per round |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [name] of tasks) {
    const { mean, p50, p99, rme } = stats(samples.get(name));
    const perRound = roundRatios.get(name).map((r) => r.toFixed(2)).join(', ');
    console.log(
      `| ${name} | ${mean.toFixed(0)} | ${p50.toFixed(0)} | ${p99.toFixed(0)} | ${rme.toFixed(0)} | ${(1000 / mean).toFixed(2)} | ${(baseline / mean).toFixed(2)}x | ${perRound} |`,
    );
  }
} finally {
  for (const client of clients) await client.end().catch(() => undefined);
  await server.stop();
}
