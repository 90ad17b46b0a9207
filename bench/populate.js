// The data generator on bench/wide-schema.js's schema (240 entity tables and the audit log, with
// foreign keys, unique and CHECK constraints, a domain, enums, triggers): populate 20 rows a
// table, against two baselines measured in the same run on the same embedded PostgreSQL 17
// server: applying the schema itself, and one plain INSERT … SELECT of 20 rows per table (the
// least the same rows can cost). Every run starts from its own copy of the schema's database.
// Run after `npm run build`: `node bench/populate.js` (or `npm run bench:populate`).
import { cpus, loadavg, totalmem } from 'node:os';
import { Bench } from 'tinybench';
import { startEmbedded } from '../dist/postgres/embedded.js';
import { populate } from '../dist/data/populate.js';
import { readShapes } from '../dist/data/catalog.js';
import { schemaSql } from './wide-schema.js';
import { commit } from './commit.js';
import './scratch.js';

const TABLES = Number(process.env.BENCH_TABLES ?? 240);
const ROWS = Number(process.env.BENCH_ROWS ?? 20);
const iterations = Number(process.env.BENCH_ITERATIONS ?? 5);


/** The same number of rows with the simplest values, parents first: what bare INSERTs cost. */
async function plainInsertSql(client) {
  const shapes = await readShapes(client);
  return shapes.tables.map((t) => {
    const q = (s) => `"${s.replace(/"/g, '""')}"`;
    const fk = t.foreignKeys.find((k) => !k.alwaysNull && k.parent !== shapes.tables.indexOf(t));
    const columns = [];
    const values = [];
    if (fk) {
      const parent = shapes.tables[fk.parent];
      columns.push(q(fk.columns[0]));
      values.push(`(SELECT min(${q(fk.parentColumns[0])}) FROM ${q(parent.schema)}.${q(parent.name)})`);
    }
    for (const c of t.columns) {
      if (!c.written || !c.notNull || c.hasDefault || columns.includes(q(c.name))) continue;
      columns.push(q(c.name));
      const choices = t.checks.find((r) => r.kind === 'choices' && r.column === c.name);
      values.push(choices ? `'${choices.values[0]}'` : c.value?.kind === 'text' ? `'c' || g` : c.value?.kind === 'int' ? 'g' : "'1'");
    }
    const list = columns.length ? ` (${columns.join(', ')})` : '';
    return `INSERT INTO ${q(t.schema)}.${q(t.name)}${list} SELECT ${values.join(', ') || 'FROM'} ${values.length ? 'FROM' : ''} generate_series(1, ${ROWS}) g`;
  }).join(';\n');
}

const loadStart = loadavg()[0].toFixed(1);
const server = await startEmbedded({ major: 17 });
const made = [];
try {
  const schema = schemaSql(TABLES);
  const template = await server.createDatabase();
  const setup = await template.connect();
  await setup.query(schema);
  const plain = await plainInsertSql(setup);
  // The roles are the cluster's: made once above, they are there for every later copy.
  const reapply = schema.replace(/^CREATE ROLE [^;]*;\n/gm, '');
  await setup.end();

  // One populate first, to report what it filled (the same seed gives the same report every run).
  const probe = await server.createDatabase({ template: template.name });
  made.push(probe.name);
  const probeClient = await probe.connect();
  const report = await populate(probeClient, { rows: ROWS, seed: 1 });
  await probeClient.end();

  let db;
  let client;
  const fresh = (copy) => async () => {
    db = await server.createDatabase(copy ? { template: template.name } : {});
    made.push(db.name);
    client = await db.connect();
  };
  const done = async () => {
    await client.end();
    await server.dropDatabase(db.name).catch(() => undefined);
  };
  let seed = 1;
  const seen = [];
  const bench = new Bench({ iterations, time: 0, warmup: true, warmupIterations: 1, warmupTime: 0 });
  bench.add(`apply the schema (${TABLES + 1} tables)`, () => client.query(reapply), { async: true, beforeEach: fresh(false), afterEach: done });
  bench.add(`plain INSERT … SELECT, ${ROWS} rows a table`, () => client.query(plain), { async: true, beforeEach: fresh(true), afterEach: done });
  bench.add(`populate, ${ROWS} rows a table`, async () => {
    const r = await populate(client, { rows: ROWS, seed: seed++ });
    seen.push(r.tables.filter((t) => t.rows === ROWS).length / r.tables.length);
  }, { async: true, beforeEach: fresh(true), afterEach: done });
  await bench.run();

  for (const task of bench.tasks) {
    if (task.result.state !== 'completed') throw task.result.error ?? new Error(`${task.name}: ${task.result.state}`);
  }
  const baseline = bench.tasks[0].result.latency.mean;
  const full = report.tables.filter((t) => t.rows === ROWS);
  console.log(`#### ${new Date().toISOString().slice(0, 10)}, commit ${commit()}`);
  console.log();
  console.log(`PostgreSQL ${server.version} (embedded), node ${process.version}; ${cpus().length} cores, ${Math.round(totalmem() / 1024 ** 3)} GiB; load average ${loadStart} at the start, ${loadavg()[0].toFixed(1)} at the end. ${iterations} runs per task after 1 warm-up run, each on its own copy of the database.`);
  console.log();
  console.log('| task | mean ms | p50 ms | p99 ms | ± % | ratio to applying the schema |');
  console.log('|---|---|---|---|---|---|');
  for (const task of bench.tasks) {
    if (task.result.state !== 'completed') throw task.result.error ?? new Error(`${task.name}: ${task.result.state}`);
    const l = task.result.latency;
    console.log(`| ${task.name} | ${l.mean.toFixed(0)} | ${l.p50.toFixed(0)} | ${l.p99.toFixed(0)} | ${l.rme.toFixed(0)} | ${(l.mean / baseline).toFixed(2)}x |`);
  }
  console.log();
  console.log(`seed 1: ${report.tables.length} tables filled, ${full.length} (${((100 * full.length) / report.tables.length).toFixed(1)}%) with the ${ROWS} rows asked for, ${report.rows} rows in all, ${report.ms} ms; share filled in the measured runs: ${seen.map((s) => `${(100 * s).toFixed(1)}%`).join(', ')}.`);
  const short = report.tables.filter((t) => t.rows < ROWS);
  for (const t of short) console.log(`- ${t.table}: ${t.rows} of ${ROWS} (${t.reason ?? 'no reason'})`);
  for (const u of report.unfilled) console.log(`- unfilled ${u.table}: ${u.reason}`);
  for (const s of report.skipped) console.log(`- skipped ${s.table}: ${s.reason}`);
  if (short.length === 0 && report.unfilled.length === 0 && report.skipped.length === 0) console.log('No table left out or short.');
} finally {
  for (const name of made) await server.dropDatabase(name).catch(() => undefined);
  await server.stop();
}
