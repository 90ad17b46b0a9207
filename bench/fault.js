// Cases per second of `fault --exhaustive` under rerun-all, all measured in the same run on the
// same server:
// - certctl-double-run/fixed: kept template states (migtest's way) against the naive way (a new
//   database and the prefix applied again for every case), and migtest's way with the relaxed
//   comparison (calibration, values made anew compared by shape or renumbering) off and on;
// - volatile-seeds/fixed, whose every recovered state holds other uuids, timestamps and serial
//   ids than the fresh one: the relaxed comparison off (exact: it reports those as findings) and
//   on (it passes), so that the relaxed path's own cost shows.
import { Bench } from 'tinybench';
import { startEmbedded } from '../dist/postgres/embedded.js';
import { initParser } from '../dist/migrations/split.js';
import { loadSet } from '../dist/migrations/load.js';
import { rerunAll } from '../dist/runners/rerun-all/model.js';
import { States } from '../dist/checks/states.js';
import { fault } from '../dist/checks/fault.js';
import './scratch.js';

const CERTCTL = 'migrations-under-test/certctl-double-run/fixed';
const VOLATILE = 'migrations-under-test/volatile-seeds/fixed';
const iterations = Number(process.env.BENCH_ITERATIONS ?? 3);
const naive = process.env.BENCH_NAIVE !== '0';

await initParser();
const sets = { [CERTCTL]: await loadSet(CERTCTL, 'rerun-all'), [VOLATILE]: await loadSet(VOLATILE, 'rerun-all') };
const server = await startEmbedded({ major: 17 });
const cases = {};
const findings = {};

/** One exhaustive fault check; `expect`: the status it must end with (the exact comparison fails volatile-seeds). */
async function exhaustive(name, dir, settings, expect) {
  const set = sets[dir];
  const states = new States(server, rerunAll, rerunAll.plan(set), { runnerOptions: {}, ...settings });
  const outcome = await fault.run({
    set, model: rerunAll, server, states, options: { exhaustive: true }, reproduce: () => '',
  });
  await states.close();
  if (outcome.status !== expect) throw new Error(`${name}: expected ${expect}, got ${outcome.status}`);
  cases[name] = outcome.cases;
  findings[name] = outcome.findings.length;
}

const tasks = [
  ['certctl: templates, relaxed on (default)', CERTCTL, {}, 'pass'],
  ['certctl: templates, relaxed off', CERTCTL, { relaxed: false }, 'pass'],
  ...(naive ? [['certctl: naive (new database and prefix per case)', CERTCTL, { reuse: false }, 'pass']] : []),
  ['volatile-seeds: templates, relaxed on (default)', VOLATILE, {}, 'pass'],
  ['volatile-seeds: templates, relaxed off (exact: findings)', VOLATILE, { relaxed: false }, 'fail'],
];

try {
  const bench = new Bench({ iterations, time: 0, warmup: false });
  // `async: true`: otherwise tinybench calls the function once more to find out, and that run
  // would overlap the first measured one.
  for (const [name, dir, settings, expect] of tasks) bench.add(name, () => exhaustive(name, dir, settings, expect), { async: true });
  await bench.run();
  for (const task of bench.tasks) {
    if (task.result?.error) throw task.result.error;
  }
  const rows = bench.tasks.map((task) => {
    const mean = task.result.latency?.mean ?? task.result.mean;
    return {
      task: task.name,
      cases: cases[task.name],
      findings: findings[task.name],
      'mean s': (mean / 1000).toFixed(2),
      'cases/s': (cases[task.name] / (mean / 1000)).toFixed(1),
    };
  });
  console.table(rows);
  const rate = (name) => Number(rows.find((r) => r.task === name)['cases/s']);
  const ratio = (a, b) => (rate(a) / rate(b)).toFixed(2);
  if (naive) console.log(`certctl: templates/naive ${ratio(tasks[0][0], tasks[2][0])}x`);
  console.log(`certctl: relaxed off / on ${ratio(tasks[1][0], tasks[0][0])}x (the cost of the relaxed comparison: above 1, on is slower)`);
  console.log(`volatile-seeds: relaxed off / on ${ratio(tasks.at(-1)[0], tasks.at(-2)[0])}x`);
  console.log(`PostgreSQL ${server.version}, ${iterations} iterations each`);
} finally {
  await server.stop();
}
