// A service's own boot-time migration runner, as teams write them: every *.sql file of a folder,
// in name order, at every start, with no tracker. `statement` mode sends each statement (split on
// `;` at a line end) on its own, so each autocommits; `file` mode sends each file as one string.
// Usage: node boot-runner.mjs <dir> [file|statement]   (DATABASE_URL names the database)
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const [dir, mode = 'file'] = process.argv.slice(2);
const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
try {
  await client.connect();
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
    const text = readFileSync(path.join(dir, name), 'utf8');
    const pieces = mode === 'statement' ? text.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean) : [text];
    for (const piece of pieces) await client.query(piece);
    console.log(`applied ${name}`);
  }
  await client.end();
} catch (error) {
  console.error(`boot failed: ${error.code ?? ''} ${error.message}`);
  process.exit(1);
}
