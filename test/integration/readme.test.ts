import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { comparable, EXAMPLES, normalise, README, readmeBlocks, readmeScenarios, runExample, scenarioList, scenarioNames } from '../../scripts/readme-examples.mjs';

/**
 * README.md's example outputs are what the commands print (normalised by the same script that
 * writes them): a change to the output fails here until `node scripts/readme-examples.mjs --write`
 * is run and the README committed.
 */
const readme = readFileSync(README, 'utf8');
const blocks = readmeBlocks(readme);

describe('README.md', () => {
  it('has a block for every example and no block without one', () => {
    expect([...blocks.keys()].sort()).toEqual(Object.keys(EXAMPLES).sort());
  });

  it('lists every scenario in scenarios/', () => {
    expect(readmeScenarios(readme)).toBe(scenarioList());
    for (const name of scenarioNames()) expect(readme).toContain(`npx migtest run scenarios/${name} `);
  });

  it('links no file outside the repository', () => {
    expect(readme).not.toMatch(/\]\(\.\.\//);
    expect(readme).not.toContain('shared/DESIGN.md');
  });

  // One at a time: each starts a server, beside the other test files' servers.
  for (const name of Object.keys(EXAMPLES)) {
    it(`example "${name}" is what the command prints`, async () => {
      const printed = await runExample(name);
      expect(comparable(blocks.get(name) ?? ''), 'run: npm run build && node scripts/readme-examples.mjs --write').toBe(comparable(printed));
    }, 180_000);
  }
});

describe('normalise', () => {
  it('replaces durations and timed progress counts, keeps counts that are part of the result', () => {
    const raw = [
      'PostgreSQL 17.10 (embedded) ready in 1.4 s',
      '  · fault    pg 17  started',
      '  · fault    pg 17  12% (3/25 draws)  1.8 s',
      '  · fault    pg 17  20% (5/25 draws)  3.2 s',
      '  ✗ fault    pg 17  11 cases  10.2 s',
      '    policy max 2 backoff exponential 1s: 3 tries, waits 1000, 2000 ms',
      'migtest: removed what ended runs left behind: folder /dev/shm/migtest-pg-x',
      'FAIL 3 lint findings (add-constraint-unguarded) in 20 statements (217 ms)',
      '',
    ].join('\n');
    expect(normalise(raw)).toBe(
      [
        'PostgreSQL 17.10 (embedded) ready in …',
        '  · fault    pg 17  started',
        '  · fault    pg 17  …% (…/… draws)  …',
        '  ✗ fault    pg 17  11 cases  …',
        '    policy max 2 backoff exponential 1s: 3 tries, waits 1000, 2000 ms',
        'FAIL 3 lint findings (add-constraint-unguarded) in 20 statements (…)',
      ].join('\n'),
    );
    expect(comparable(raw)).not.toContain('…%');
    expect(comparable('  ✗ fault    pg 17  11 cases  1 s')).not.toBe(comparable('  ✗ fault    pg 17  12 cases  1 s'));
  });
});
