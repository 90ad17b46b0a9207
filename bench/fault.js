// Cases per second of `fault --exhaustive` on certctl-double-run/fixed under rerun-all: kept
// template states (migtest's way) against the naive way (a new database and the prefix applied
// again for every case), both measured in the same run on the same server.
import { Bench } from 'tinybench';
import { startEmbedded } from '../dist/postgres/embedded.js';
import { initParser } from '../dist/migrations/split.js';
import { loadSet } from '../dist/migrations/load.js';
import { rerunAll } from '../dist/runners/rerun-all.js';
import { States } from '../dist/checks/states.js';
import { fault } from '../dist/checks/fault.js';

const SET = 'migrations-under-test/certctl-double-run/fixed';
const iterations = Number(process.env.BENCH_ITERATIONS ?? 3);

await initParser();
const set = await loadSet(SET, 'rerun-all');
const server = await startEmbedded({ major: 17 });
const cases = {};

async function exhaustive(name, reuse) {
  const states = new States(server, set, rerunAll, { runnerOptions: {}, env: process.env, reuse });
  const outcome = await fault.run({
    set, model: rerunAll, server, states, options: { exhaustive: true }, reproduce: () => '',
  });
  await states.settle();
  if (outcome.status !== 'pass') throw new Error(`${name}: expected a pass, got ${outcome.status}`);
  cases[name] = outcome.cases;
}

try {
  const bench = new Bench({ iterations, time: 0, warmup: false });
  // `async: true`: otherwise tinybench calls the function once more to find out, and that run
  // would overlap the first measured one.
  bench
    .add('templates (kept states, shared verdicts, 4 in parallel)', () => exhaustive('templates (kept states, shared verdicts, 4 in parallel)', true), { async: true })
    .add('naive (new database and prefix per case)', () => exhaustive('naive (new database and prefix per case)', false), { async: true });
  await bench.run();
  for (const task of bench.tasks) {
    if (task.result?.error) throw task.result.error;
  }
  const rows = bench.tasks.map((task) => {
    const mean = task.result.latency?.mean ?? task.result.mean;
    return { task: task.name, cases: cases[task.name], 'mean s': (mean / 1000).toFixed(2), 'cases/s': (cases[task.name] / (mean / 1000)).toFixed(1) };
  });
  console.table(rows);
  const [fast, naive] = rows;
  console.log(`ratio templates/naive: ${(Number(fast['cases/s']) / Number(naive['cases/s'])).toFixed(1)}x (PostgreSQL ${server.version}, ${iterations} iterations each)`);
} finally {
  await server.stop();
}
