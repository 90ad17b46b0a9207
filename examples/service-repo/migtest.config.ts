import { defineConfig } from 'migtest';

// The service applies every db/migrations/*.up.sql at each boot, by name, each file as one string,
// with no record of what ran (src/migrate.js): migtest's rerun-all model is exactly that.
export default defineConfig({
  set: 'db/migrations',
  runner: 'rerun-all',
  // twice: the second boot must succeed and change nothing, schema and data; lint: the statements
  // that are unsafe to run twice, found without a server.
  checks: ['fresh', 'twice', 'lint'],
  postgres: [17],
});
