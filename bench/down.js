// The `down` check against `fresh` plus `twice` (issue 15: no more than twice their time), on a
// generated golang-migrate set of 45 migrations (bench/down-set.js), all measured in the same run
// on one embedded PostgreSQL 17 server started once. Every task starts from nothing: a new
// States, so the fresh state is built anew in each (as `migtest check` does). Run after
// `npm run build`: `node bench/down.js`; BENCH_ITERATIONS=N (default 5), BENCH_FILES=N (default 45).
// BENCH_BASELINE_DIST=/path/to/dist (another build's dist, e.g. a worktree of an older commit)
// measures the same two tasks with the checks loaded from there too, in the same run, as
// `baseline:` rows.
import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { startEmbedded } from '../dist/postgres/embedded.js';
import { initParser } from '../dist/migrations/split.js';
import { loadSet } from '../dist/migrations/load.js';
import { runnerModel } from '../dist/runners/registry.js';
import { States } from '../dist/checks/states.js';
import { fresh } from '../dist/checks/fresh.js';
import { twice } from '../dist/checks/twice.js';
import { down } from '../dist/checks/down.js';
import { writeDownSet } from './down-set.js';
import { scratchDir } from './scratch.js';

const iterations = Number(process.env.BENCH_ITERATIONS ?? 5);
const files = Number(process.env.BENCH_FILES ?? 45);
const dir = scratchDir('migtest-bench-down-');

await initParser();
writeDownSet(dir, files);
const model = runnerModel('golang-migrate');
const set = await loadSet(dir, 'golang-migrate');
const server = await startEmbedded({ major: 17 });

const baselineDist = process.env.BENCH_BASELINE_DIST;
/** The baseline build's States and checks, on this run's server, set and model. */
const baseline = baselineDist
  ? await (async () => {
      const from = (path) => import(pathToFileURL(resolve(baselineDist, path)).href);
      const [{ States: BaseStates }, { fresh: f }, { twice: t }, { down: d }] = await Promise.all(
        ['checks/states.js', 'checks/fresh.js', 'checks/twice.js', 'checks/down.js'].map(from),
      );
      return { States: BaseStates, fresh: f, twice: t, down: d };
    })()
  : undefined;

/** The given checks in order on new States, as one `migtest check --checks …` run does; all must pass or skip. */
async function checks(...list) {
  return checksWith(States, list);
}

async function checksWith(StatesClass, list) {
  const states = new StatesClass(server, model, model.plan(set, {}), { runnerOptions: {} });
  try {
    for (const check of list) {
      const outcome = await check.run({ set, model, server, states, options: {}, reproduce: () => '' });
      if (outcome.status !== 'pass' && outcome.status !== 'skip') throw new Error(`${check.name}: ${outcome.status} ${JSON.stringify(outcome.findings[0] ?? outcome.reason)}`);
    }
  } finally {
    await states.close();
  }
}

try {
  const bench = new Bench({ iterations, time: 0, warmup: true, warmupIterations: 1 });
  // `async: true`: otherwise tinybench calls the function once more to find out, and that run
  // would overlap the first measured one.
  bench.add('fresh + twice', () => checks(fresh, twice), { async: true });
  bench.add('down', () => checks(down), { async: true });
  if (baseline) {
    bench.add('baseline: fresh + twice', () => checksWith(baseline.States, [baseline.fresh, baseline.twice]), { async: true });
    bench.add('baseline: down', () => checksWith(baseline.States, [baseline.down]), { async: true });
  }
  await bench.run();
  for (const task of bench.tasks) if (task.result?.error) throw task.result.error;
  const mean = (name) => {
    const result = bench.tasks.find((t) => t.name === name).result;
    return result.latency?.mean ?? result.mean;
  };
  console.table(bench.tasks.map((t) => ({ task: t.name, 'mean s': (mean(t.name) / 1000).toFixed(2) })));
  console.log(`down / (fresh + twice): ${(mean('down') / mean('fresh + twice')).toFixed(2)}x (issue 15 asks for at most 2x)`);
  if (baseline) {
    console.log(`baseline: down / (fresh + twice): ${(mean('baseline: down') / mean('baseline: fresh + twice')).toFixed(2)}x; down against baseline down: ${(mean('down') / mean('baseline: down')).toFixed(2)}x`);
  }
  console.log(`${files} files, PostgreSQL ${server.version}, ${iterations} iterations each, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
