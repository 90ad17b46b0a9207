import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeSteps, enumerated, pick, scheduleLength, type Candidate } from '../../src/checks/concurrent/schedule.js';

const candidates = fc
  .uniqueArray(fc.nat({ max: 7 }), { minLength: 1, maxLength: 8 })
  .map((replicas) => replicas.sort((a, b) => a - b).map((replica): Candidate => ({ replica, action: replica % 2 === 0 ? 'send' : 'commit' })));

describe('the scheduler of check concurrent', () => {
  it('picks one of the replicas that can act, whatever the choice', () => {
    fc.assert(
      fc.property(candidates, fc.option(fc.nat({ max: 7 }), { nil: undefined }), fc.option(fc.nat(), { nil: undefined }), (cs, last, choice) => {
        expect(cs).toContain(pick(cs, last, choice));
      }),
    );
  });

  it('keeps the replica that acted last on choice 0 and past the end of the choices (no switch)', () => {
    fc.assert(
      fc.property(candidates, fc.nat(), (cs, i) => {
        const last = cs[i % cs.length]!.replica;
        expect(pick(cs, last, 0).replica).toBe(last);
        expect(pick(cs, last, undefined).replica).toBe(last);
      }),
    );
  });

  it('switches on any other choice, to each other replica in turn from the last one', () => {
    const cs: Candidate[] = [
      { replica: 0, action: 'send' },
      { replica: 1, action: 'commit' },
      { replica: 2, action: 'send' },
    ];
    expect([1, 2, 3, 4].map((c) => pick(cs, 1, c).replica)).toEqual([2, 0, 1, 2]);
    fc.assert(
      fc.property(candidates, fc.nat(), fc.nat(), (cs, i, choice) => {
        fc.pre(cs.length > 1 && choice % cs.length !== 0);
        const last = cs[i % cs.length]!.replica;
        expect(pick(cs, last, choice).replica).not.toBe(last);
      }),
    );
  });

  it('starts with the first replica that can act when the last one cannot', () => {
    const cs: Candidate[] = [
      { replica: 1, action: 'send' },
      { replica: 3, action: 'send' },
    ];
    expect(pick(cs, 2, 0).replica).toBe(1);
    expect(pick(cs, undefined, 1).replica).toBe(3);
  });

  it('refuses to pick from no replica: the caller waits instead', () => {
    expect(() => pick([], 0, 0)).toThrow(/no replica/);
  });

  it('enumerates one after the other, a switch after the first message, a switch at every decision', () => {
    expect(enumerated(3)).toEqual([[], [0, 1], [1, 1, 1]]);
  });

  it('draws choices for every message and commit of every replica, bounded', () => {
    expect(scheduleLength(4, 8, 2)).toBe(2 * (8 + 8 + 8));
    expect(scheduleLength(1000, 5000, 4)).toBe(600);
  });

  it('shows the last steps of an interleaving, numbered from the start', () => {
    const steps = Array.from({ length: 14 }, (_, i) => ({ replica: i % 2, action: i % 3 === 0 ? ('commit' as const) : ('send' as const), message: `m${i}` }));
    const shown = describeSteps(steps).split('\n');
    expect(shown[0]).toBe('(2 steps before)');
    expect(shown[1]).toBe('3. replica 1 sends: m2');
    expect(shown.at(-1)).toBe('14. replica 2 sends: m13');
    expect(describeSteps(steps.slice(0, 1))).toBe('1. replica 1 commits: m0');
  });
});
