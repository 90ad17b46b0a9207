import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migtest, ROOT } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'migtest-config-expected-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('check --config with --expected', () => {
  // Without --checks, --expected adds check expected, as it does without --config: the folder given
  // is meant to be used. A folder that does not exist is then refused before any server starts.
  it('uses the folder the command line names', async () => {
    const config = join(dir, 'migtest.config.mjs');
    writeFileSync(config, `export default { set: ${JSON.stringify(join(ROOT, 'migrations-under-test/certctl-double-run/fixed'))}, runner: 'rerun-all' };\n`);
    const absent = join(dir, 'no-such-folder');
    const result = await migtest(['check', '--config', config, '--expected', absent]);
    expect(result.stderr).toContain(`no expected-schema folder ${absent} for check expected`);
    expect(result.code).toBe(2);
  });
});
