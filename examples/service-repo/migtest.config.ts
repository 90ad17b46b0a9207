import { defineConfig } from 'migtest';

// The service applies every db/migrations/*.up.sql at each boot, by name, each file as one string,
// with no record of what ran (src/migrate.js): migtest's rerun-all model is exactly that.
export default defineConfig({
  set: 'db/migrations',
  runner: 'rerun-all',
  // twice: the second boot must succeed and change nothing; resume: a boot that dies half-way must
  // be repaired by the next; lint: the statements that are unsafe to run twice, without a server.
  checks: ['fresh', 'twice', 'resume', 'lint'],
  postgres: [17],
});
