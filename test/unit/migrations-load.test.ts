import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSet } from '../../src/migrations/load.js';
import { rejection, tempFolder } from '../helpers/folders.js';
import type { Env, MigrationSet } from '../../src/migrations/types.js';

const loadRerunAll = (dir: string, env: Env = {}): Promise<MigrationSet> => loadSet(dir, 'rerun-all', env);

let dir: string;
const { write } = tempFolder('migtest-load-', (created) => (dir = created));

describe('loadRerunAll', () => {
  it('loads every *.up.sql in name order and ignores other files', async () => {
    await write({
      '000010_z.up.sql': 'SELECT 10;',
      '000002_b.up.sql': 'SELECT 2;',
      '000001_a.up.sql': 'SELECT 1;',
      '000001_a.down.sql': 'SELECT -1;',
      'Z_upper.up.sql': 'SELECT 3;', // bytes: digits < 'Z' < '_' < 'a'
      '_under.up.sql': 'SELECT 4;',
      'a_lower.up.sql': 'SELECT 5;',
      'README.md': '# notes',
      'notes.sql': 'SELECT 6;',
      '000003_c.UP.SQL': 'SELECT 7;',
      'sub/000004_d.up.sql': 'SELECT 8;',
    });
    const set = await loadRerunAll(dir);
    expect(set.dir).toBe(dir);
    expect(set.format).toBe('rerun-all');
    expect(set.migrations.map((m) => m.id)).toEqual([
      '000001_a.up.sql',
      '000002_b.up.sql',
      '000010_z.up.sql',
      'Z_upper.up.sql',
      '_under.up.sql',
      'a_lower.up.sql',
    ]);
  });

  it('orders names by UTF-8 bytes like Go, not by locale', async () => {
    // U+FF21 (fullwidth A) sorts after U+1F510 in UTF-16 code units but before it in UTF-8 bytes.
    await write({ '🔐.up.sql': 'SELECT 1;', 'Ａ.up.sql': 'SELECT 2;', 'é.up.sql': 'SELECT 3;' });
    const set = await loadRerunAll(dir);
    expect(set.migrations.map((m) => m.id)).toEqual(['é.up.sql', 'Ａ.up.sql', '🔐.up.sql']);
  });

  it('builds each migration from its file, with a down script when one exists', async () => {
    const up = '-- issuers\nCREATE TABLE IF NOT EXISTS issuers (id text PRIMARY KEY);\n\nSELECT 1';
    await write({
      '000001_issuers.up.sql': up,
      '000001_issuers.down.sql': 'DROP TABLE issuers;',
      '000002_agents.up.sql': 'SELECT 2;',
    });
    const set = await loadRerunAll(dir);
    const [first, second] = set.migrations;
    const file = path.join(dir, '000001_issuers.up.sql');
    expect(first).toMatchObject({
      id: '000001_issuers.up.sql',
      name: '000001_issuers.up.sql',
      orderKey: '000001_issuers.up.sql',
      file,
      directives: {},
      checksum: createHash('sha256').update(up).digest('hex'),
    });
    expect(first?.up).toMatchObject({ text: up, file, startLine: 1, startColumn: 1 });
    expect(first?.up.statements.map((s) => [s.kind, s.line, s.column, s.file])).toEqual([
      ['CreateStmt', 2, 1, file],
      ['SelectStmt', 4, 1, file],
    ]);
    expect(first?.down?.file).toBe(path.join(dir, '000001_issuers.down.sql'));
    expect(first?.down?.statements.map((s) => s.kind)).toEqual(['DropStmt']);
    expect(second?.down).toBeUndefined();
  });

  it('hashes the bytes of a non-ASCII file and keeps character offsets', async () => {
    const up = "INSERT INTO t VALUES ('é', '🔐');\nSELECT 'ok';";
    await write({ '1.up.sql': up });
    const [migration] = (await loadRerunAll(dir)).migrations;
    expect(migration?.checksum).toBe(
      createHash('sha256').update(Buffer.from(up, 'utf8')).digest('hex'),
    );
    expect(migration?.up.statements[1]).toMatchObject({ offset: 34, line: 2, column: 1 });
  });

  it('follows links to files, and refuses what is named like a migration but cannot be read, naming it', async () => {
    await write({ 'target.sql': 'SELECT 1;', 'sub/notes.txt': 'a folder not named like a migration is skipped' });
    await symlink(path.join(dir, 'target.sql'), path.join(dir, '1_link.up.sql'));
    const set = await loadRerunAll(dir);
    expect(set.migrations.map((m) => m.id)).toEqual(['1_link.up.sql']);

    const refusal = async (name: string, make: (file: string) => Promise<unknown>) => {
      const file = path.join(dir, name);
      await make(file);
      try {
        return await rejection(loadRerunAll(dir));
      } finally {
        await rm(file, { recursive: true, force: true });
      }
    };
    const dangling = await refusal('2_dangling.up.sql', (file) => symlink(path.join(dir, 'missing.sql'), file));
    expect(dangling).toMatchObject({ file: path.join(dir, '2_dangling.up.sql'), fix: expect.stringContaining('link') });
    expect(dangling.message).toContain('does not exist');
    const loop = await refusal('2_loop.up.sql', (file) => symlink(file, file));
    expect(loop).toMatchObject({ file: path.join(dir, '2_loop.up.sql'), message: expect.stringContaining('leads back to itself') });
    const folder = await refusal('3_folder.up.sql', (file) => mkdir(file));
    expect(folder).toMatchObject({ file: path.join(dir, '3_folder.up.sql'), message: expect.stringContaining('a folder') });
    // Never opened: reading a FIFO would wait for a writer forever.
    const fifo = await refusal('4_pipe.up.sql', async (file) => execFileSync('mkfifo', [file]));
    expect(fifo).toMatchObject({ file: path.join(dir, '4_pipe.up.sql'), message: expect.stringContaining('FIFO') });
  });

  it('refuses a NUL byte at its line and column', async () => {
    await write({ '1.up.sql': "SELECT 1;\nSELECT 'a\0b';\n" });
    const error = await rejection(loadRerunAll(dir));
    expect(error).toMatchObject({ file: path.join(dir, '1.up.sql'), line: 2, column: 10, message: expect.stringContaining('NUL') });
  });

  it('resolves a relative folder to an absolute path', async () => {
    await write({ '1.up.sql': 'SELECT 1;' });
    const relative = path.relative(process.cwd(), dir);
    const set = await loadRerunAll(relative);
    expect(set.dir).toBe(dir);
    expect(set.migrations[0]?.file).toBe(path.join(dir, '1.up.sql'));
  });

  it('refuses a missing folder, a file, and a folder without *.up.sql', async () => {
    const missing = path.join(dir, 'nope');
    const notFound = await rejection(loadRerunAll(missing));
    expect(notFound.message).toBe(`the migration folder does not exist`);
    expect(notFound.file).toBe(missing);
    expect(notFound.fix).toContain('*.up.sql');

    await write({ 'plain.txt': 'x', '1.down.sql': 'SELECT 1;', 'sub/2.up.sql': 'SELECT 2;' });
    const aFile = await rejection(loadRerunAll(path.join(dir, 'plain.txt')));
    expect(aFile.message).toContain('this is a file, not a migration folder');

    const empty = await rejection(loadRerunAll(dir));
    expect(empty.message).toBe(`no *.up.sql files in this folder`);
    expect(empty.fix).toContain('not subfolders');
  });

  it('reports a psql meta-command with its file and line', async () => {
    await write({
      '1_ok.up.sql': 'SELECT 1;',
      '2_psql.up.sql': 'BEGIN;\nSELECT 1;\n\\set ON_ERROR_STOP on\nCOMMIT;\n',
    });
    const error = await rejection(loadRerunAll(dir));
    expect([error.file, error.line, error.column]).toEqual([path.join(dir, '2_psql.up.sql'), 3, 1]);
    expect(error.message).toContain('psql meta-command');
  });

  it('keeps a syntax error in a down script on the script, without refusing the set (issue 15: only check down runs downs)', async () => {
    await write({ '1.up.sql': 'SELECT 1;', '1.down.sql': 'DROP TABLE t;\nDROP TABEL u;' });
    const set = await loadRerunAll(dir);
    const error = set.migrations[0]!.down!.invalid!;
    expect([error.file, error.line, error.column]).toEqual([path.join(dir, '1.down.sql'), 2, 6]);
    expect(set.migrations[0]!.down!.statements).toEqual([]);
  });

  it('refuses a file that is not UTF-8', async () => {
    await writeFile(path.join(dir, '1.up.sql'), Buffer.from([0x53, 0x45, 0xff, 0x3b]));
    const error = await rejection(loadRerunAll(dir));
    expect(error.message).toContain('not valid UTF-8');
  });
});

describe('loadSet', () => {
  it('loads a rerun-all set', async () => {
    await write({ '1.up.sql': 'SELECT 1;' });
    const set = await loadSet(dir, 'rerun-all');
    expect(set.migrations).toHaveLength(1);
  });

  it('refuses unknown formats', async () => {
    await write({ '1.up.sql': 'SELECT 1;' });
    const unknown = await rejection(loadSet(dir, 'flyway' as never));
    expect(unknown.message).toBe('unknown migration format "flyway"');
  });
});

describe('the sets in migrations-under-test', () => {
  const root = path.resolve(import.meta.dirname, '../../migrations-under-test');

  it('load, with the same file names in broken and fixed', async () => {
    for (const name of ['certctl-double-run', 'duplicate-rows']) {
      const broken = await loadSet(path.join(root, name, 'broken'), 'rerun-all');
      const fixed = await loadSet(path.join(root, name, 'fixed'), 'rerun-all');
      expect(broken.migrations.map((m) => m.id)).toEqual(fixed.migrations.map((m) => m.id));
    }
  });

  it('put the statements that fail on a second run where the README says', async () => {
    const set = await loadSet(path.join(root, 'certctl-double-run', 'broken'), 'rerun-all');
    const byId = new Map(set.migrations.map((m) => [m.id, m]));
    const constraint = byId.get('000004_certificate_constraints.up.sql')?.up.statements[0];
    expect(constraint).toMatchObject({ kind: 'AlterTableStmt', line: 2, column: 1 });
    expect(constraint?.detail?.alterTableCommands).toEqual(['AT_AddConstraint']);
    const seed = byId.get('000006_seed_defaults.up.sql')?.up.statements[1];
    expect(seed).toMatchObject({ kind: 'InsertStmt', line: 7, column: 1 });
    expect(seed?.sql).toContain('ON CONFLICT (scope, channel, event) DO NOTHING');
    const agents = byId.get('000003_create_agents.up.sql')?.up.statements ?? [];
    expect(agents.map((s) => s.detail?.transaction).filter(Boolean)).toEqual(['BEGIN', 'COMMIT']);
  });
});
