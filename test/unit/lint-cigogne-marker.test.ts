import { describe, expect, it } from 'vitest';
import { lintCommand } from '../../src/lint/command.js';
import { MISSED_MARKERS } from '../../src/runners/cigogne/cigogne-marker.js';
import { tempFolder } from '../helpers/folders.js';
import { lint, of, where } from './lint-set.js';

const RULE = 'cigogne-marker';
let dir: string;
const { write } = tempFolder('migtest-cigogne-marker-', (created) => (dir = created));

const twoDash = '-- seed rooms\n-- migration:up\nCREATE TABLE rooms (code text PRIMARY KEY);\n-- migration:down\nDROP TABLE rooms;\n-- migration:end\n';
const exact = twoDash.replace(/^-- migration:/gm, '--- migration:');

describe(RULE, () => {
  it('reports each two-dash marker of a folder at its line, with the three-dash fix, and lints the rest of the file', async () => {
    await write({
      '20240101000000-Rooms.sql': twoDash,
      '20240102000000-Seed.sql': "-- migration:up\n-- the room's code\nSELECT 1;\n-- the room's floor\nSELECT 2;\n--- migration:down\nSELECT 0;\n--- migration:end\n",
    });
    const { report, code } = await lintCommand(dir, 'cigogne');
    const findings = report.checks[0]!.findings;
    expect(code).toBe(1);
    const [up] = of(findings, RULE);
    expect(up!.message).toContain('"-- migration:up" has two dashes: cigogne looks for the text "--- migration:up" (three dashes, one space)');
    expect(up!.message).toContain('(MissingUpGuard), so no migration of the set runs');
    expect(up!.hint).toBe('write the marker with three dashes and one space: "--- migration:up"');
    // A file with a two-dash marker is still linted, as cigogne would read it once the marker is fixed.
    expect(where(findings)).toEqual([
      `${RULE} 20240101000000-Rooms.sql:2`,
      `${RULE} 20240101000000-Rooms.sql:4`,
      `${RULE} 20240101000000-Rooms.sql:6`,
      `${RULE} 20240102000000-Seed.sql:1`,
      `cigogne-comment-split 20240102000000-Seed.sql:2`,
    ]);
  });

  it('says nothing about exact markers, nor about a two-dash line beside the exact marker (a comment to cigogne)', async () => {
    await write({ '20240101000000-Rooms.sql': exact.replace('--- migration:up\n', '--- migration:up\n-- migration:up was two dashes once\n') });
    const { report } = await lintCommand(dir, 'cigogne');
    expect(of(report.checks[0]!.findings, RULE)).toEqual([]);
  });

  it('reports what the loader recorded, and only under cigogne', async () => {
    const directives = { '20240101000000-Rooms.sql': { [MISSED_MARKERS]: ['2:1:up:---migration:up'] } };
    const findings = of(await lint({ '20240101000000-Rooms.sql': 'SELECT 1;' }, 'cigogne', { directives }), RULE);
    expect(where(findings)).toEqual([`${RULE} 20240101000000-Rooms.sql:2`]);
    expect(findings[0]!.message).toContain('"---migration:up" is not spaced as cigogne reads it');
    expect(of(await lint({ '20240101000000-Rooms.sql': 'SELECT 1;' }, 'rerun-all', { directives }), RULE)).toEqual([]);
  });
});
