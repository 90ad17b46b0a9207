// A service's own boot-time migration runner, as teams write them: every *.sql file of a folder,
// in name order, at every start, with no tracker. `statement` mode sends each statement (split on
// `;` at a line end) on its own, so each autocommits; `file` mode sends each file as one string.
// With `tracked`, it runs each file and records it in `applied` (with how long it took, which
// differs from run to run) in one transaction, and skips the files recorded there.
// With `locked` too, it holds a session advisory lock for its whole run, waiting for it as replicas must.
// Usage: node boot-runner.mjs <dir> [file|statement] [tracked [locked]]   (DATABASE_URL names the database)
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const [dir, mode = 'file', tracked, locked] = process.argv.slice(2);
const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
try {
  await client.connect();
  if (locked) await client.query('SELECT pg_advisory_lock(4242)');
  if (tracked) await client.query('CREATE TABLE IF NOT EXISTS applied (name text PRIMARY KEY, took_ms int NOT NULL)');
  const done = tracked ? new Set((await client.query('SELECT name FROM applied')).rows.map((r) => r.name)) : new Set();
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
    if (done.has(name)) continue;
    const began = performance.now();
    const text = readFileSync(path.join(dir, name), 'utf8');
    const pieces = mode === 'statement' ? text.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean) : [text];
    if (tracked) await client.query('BEGIN');
    for (const piece of pieces) await client.query(piece);
    if (tracked) await client.query('INSERT INTO applied VALUES ($1, $2)', [name, Math.round(performance.now() - began) + Math.floor(Math.random() * 1000)]);
    if (tracked) await client.query('COMMIT');
    console.log(`applied ${name}`);
  }
  await client.end();
} catch (error) {
  console.error(`boot failed: ${error.code ?? ''} ${error.message}`);
  process.exit(1);
}
