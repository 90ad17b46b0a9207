import { describe, expect, it } from 'vitest';
import { caseDatabaseName } from '../../src/runners/codd/cluster.js';
import { databaseOwner, databasePrefix, ownerAlive, ownerRecord, parseOwnerRecord, processStart, selfOwner } from '../../src/postgres/owner.js';
import { parseDuration, showDuration } from '../../src/postgres/limits.js';

describe('owner records', () => {
  it('a record and a database name give back their owner; other names have none', () => {
    const me = selfOwner();
    expect(parseOwnerRecord(ownerRecord(me))).toEqual(me);
    expect(databaseOwner(`${databasePrefix('a1b2c3', me)}17`)).toEqual(me);
    expect(`${databasePrefix('a1b2c3', me)}17`.length).toBeLessThanOrEqual(63);
    // A database a tool's model makes for the case (codd's cluster) carries the case's owner too.
    const made = caseDatabaseName(`${databasePrefix('a1b2c3', me)}17`, 'orders');
    expect(made.length).toBeLessThanOrEqual(63);
    expect(databaseOwner(made)).toEqual(me);
    for (const name of ['migtest_123_abcdef_1', 'migtest_bystander', 'migtest_1_abcdef_2_0f0f0f0f', 'app']) expect(databaseOwner(name)).toBeUndefined();
    expect(parseOwnerRecord('pid=1')).toBeUndefined();
  });

  it('this process is alive; a reused pid (another start time), a gone pid and another machine are told apart', () => {
    const me = selfOwner();
    expect(ownerAlive(me)).toBe(true);
    if (me.start !== null) {
      expect(processStart(process.pid)).toBe(me.start);
      expect(ownerAlive({ ...me, start: String(Number(me.start) + 1) })).toBe(false);
      // pid 2^22 + 1 is above Linux's pid_max: no such process.
      expect(ownerAlive({ ...me, pid: 4_194_305 })).toBe(false);
    }
    expect(ownerAlive({ ...me, host: me.host === '00000000' ? '11111111' : '00000000' })).toBeUndefined();
  });
});

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
  ])('%s is %i ms', (text, ms) => expect(parseDuration(text, '--statement-timeout')).toBe(ms));

  it.each(['', '5', '5 minutes', '-1s', '0ms', '0.1ms', '1d'])('%j is refused, naming the option', (text) => {
    expect(() => parseDuration(text, '--statement-timeout')).toThrow(`--statement-timeout takes a duration such as 500ms, 30s or 5m, not '${text}'`);
  });

  it('shows a duration as it would be written', () => {
    expect([500, 1000, 90_000, 300_000].map(showDuration)).toEqual(['500ms', '1s', '90s', '5m']);
  });
});
