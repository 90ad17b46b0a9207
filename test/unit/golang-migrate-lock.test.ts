import { describe, expect, it } from 'vitest';
import { advisoryLockId, RUN_LOCK } from '../../src/runners/golang-migrate/lock.js';
import { RUNNERS } from '../../src/runners/registry.js';

describe("golang-migrate's run lock", () => {
  // Values from an independent CRC-32 (Python's zlib.crc32) of "public\0schema_migrations\0<db>", times 1486364155 mod 2^32.
  it('computes the key GenerateAdvisoryLockId computes for its tracker table', () => {
    expect(advisoryLockId('mydb')).toBe('2103762914');
    expect(advisoryLockId('orders')).toBe('2900846959');
  });

  it('takes the lock for the whole run and gives it back, on the database the run is on', () => {
    const db = { name: 'orders', config: { database: 'orders' }, connect: () => Promise.reject(new Error('not used')) };
    expect(RUN_LOCK.acquire({ runner: 'golang-migrate', set: {} as never, blocks: [] }, db)).toBe('SELECT pg_advisory_lock(2900846959)');
    expect(RUN_LOCK.release({ runner: 'golang-migrate', set: {} as never, blocks: [] }, db)).toBe('SELECT pg_advisory_unlock(2900846959)');
  });

  it('is declared by the model, and by no model of a tool that takes no lock', () => {
    expect(RUNNERS['golang-migrate']!.lock).toBe(RUN_LOCK);
    for (const name of ['rerun-all', 'dbmate', 'codd', 'cigogne']) expect(RUNNERS[name]!.lock).toBeUndefined();
  });
});
