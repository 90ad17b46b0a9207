// Lint speed on a generated 500-file set under rerun-all (every rule runs: every statement can
// run twice): the whole `migtest lint` (read, parse, plan, lint) and the lint pass alone on a
// loaded set. The target is under a second for the whole command. Run after `npm run build`.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { initParser } from '../dist/migrations/split.js';
import { loadSet } from '../dist/migrations/load.js';
import { rerunAll } from '../dist/runners/rerun-all/model.js';
import { lintCommand } from '../dist/lint/command.js';
import { lintSet } from '../dist/lint/engine.js';
import { scratchDir } from './scratch.js';

const FILES = Number(process.env.BENCH_FILES ?? 500);
const iterations = Number(process.env.BENCH_ITERATIONS ?? 10);

/** One migration of a typical service: DDL, a seed, a backfill, a function; a few statements unguarded. */
function migration(i) {
  const t = `table_${i}`;
  const unguarded = i % 10 === 0;
  return [
    `-- migration ${i}: ${t}`,
    `CREATE TABLE ${unguarded ? '' : 'IF NOT EXISTS '}${t} (`,
    '    id bigserial PRIMARY KEY,',
    '    name text NOT NULL,',
    "    status text NOT NULL DEFAULT 'new',",
    '    amount_cents bigint NOT NULL DEFAULT 0,',
    '    created_at timestamptz NOT NULL DEFAULT now()',
    ');',
    `CREATE INDEX IF NOT EXISTS ${t}_name_idx ON ${t} (name);`,
    `CREATE UNIQUE INDEX IF NOT EXISTS ${t}_name_key ON ${t} (name);`,
    unguarded
      ? `ALTER TABLE ${t} ADD CONSTRAINT ${t}_status_check CHECK (status IN ('new', 'done'));`
      : `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = '${t}_status_check') THEN ALTER TABLE ${t} ADD CONSTRAINT ${t}_status_check CHECK (status IN ('new', 'done')); END IF; END $$;`,
    `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS note text;`,
    `INSERT INTO ${t} (name, status) VALUES ('a', 'new'), ('b', 'done') ON CONFLICT (name) DO NOTHING;`,
    `UPDATE ${t} SET note = lower(name) WHERE note IS NULL;`,
    `CREATE OR REPLACE FUNCTION ${t}_touch() RETURNS trigger LANGUAGE plpgsql AS $$`,
    'BEGIN',
    '    NEW.created_at := now();',
    '    RETURN NEW;',
    'END $$;',
    `DROP TRIGGER IF EXISTS ${t}_touch ON ${t};`,
    `CREATE TRIGGER ${t}_touch BEFORE UPDATE ON ${t} FOR EACH ROW EXECUTE FUNCTION ${t}_touch();`,
    '',
  ].join('\n');
}

const dir = scratchDir('migtest-bench-lint-');
try {
  for (let i = 1; i <= FILES; i++) writeFileSync(join(dir, `${String(i).padStart(6, '0')}_m.up.sql`), migration(i));
  await initParser();
  const set = await loadSet(dir, 'rerun-all');
  const statements = set.migrations.reduce((n, m) => n + m.up.statements.length, 0);
  let findings = 0;

  const bench = new Bench({ iterations, time: 0, warmupIterations: 2 });
  bench
    .add(`migtest lint (read, parse, plan, lint) ${FILES} files`, async () => {
      findings = (await lintCommand(dir, 'rerun-all')).report.checks[0].findings.length;
    })
    .add(`lint pass alone on the loaded set (${statements} statements)`, () => {
      lintSet({ set, model: rerunAll, plan: rerunAll.plan(set), reproduce: '' });
    });
  await bench.run();
  for (const task of bench.tasks) {
    if (task.result?.error) throw task.result.error;
  }
  console.table(
    bench.tasks.map((task) => {
      const latency = task.result.latency ?? task.result;
      return { task: task.name, 'mean ms': latency.mean.toFixed(1), 'p99 ms': (latency.p99 ?? latency.max).toFixed(1), samples: latency.samples?.length ?? iterations };
    }),
  );
  console.log(`${FILES} files, ${statements} statements, ${findings} findings; node ${process.version}, ${iterations} iterations each`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
