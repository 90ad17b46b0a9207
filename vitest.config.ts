import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The suites that run the whole matrix: every scenario through the CLI (with every reproduce
 * command it prints), the snapshot catalogue on the majors beside the default one, every tool's
 * format of a set, the real tools, the interrupt and shard runs, and the sets run under every
 * check. `npm test` leaves them out (about 10 minutes on 2 cores); `npm run test:all` (what CI
 * runs) takes them too: MIGTEST_TESTS=all.
 */
const SLOW_SUITES = [
  'test/integration/scenarios.test.ts',
  'test/integration/scenarios-*.test.ts',
  'test/integration/volatile-seeds.test.ts',
  'test/integration/snapshot-catalogue-14.test.ts',
  'test/integration/snapshot-catalogue-15.test.ts',
  'test/integration/snapshot-catalogue-16.test.ts',
  'test/integration/snapshot-catalogue-18.test.ts',
  'test/integration/check-populated.test.ts',
  'test/integration/check-down-sets.test.ts',
  'test/integration/tool-checks.test.ts',
  'test/integration/retry-cli.test.ts',
  'test/integration/shard.test.ts',
  'test/integration/concurrent-index.test.ts',
  'test/integration/dbmate-differential.test.ts',
  'test/reliability/interrupts.test.ts',
];

const all = process.env.MIGTEST_TESTS === 'all';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: all ? configDefaults.exclude : [...configDefaults.exclude, ...SLOW_SUITES],
    // Integration tests start real PostgreSQL servers: give them room, and keep the two cores busy
    // without oversubscribing them.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
