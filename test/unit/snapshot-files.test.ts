import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  escapeSegment,
  MARKER,
  objectFile,
  objectPathOf,
  objectText,
  readObjects,
  unescapeSegment,
  writeObjects,
} from '../../src/snapshot/files.js';
import type { SnapshotObject } from '../../src/snapshot/types.js';
import { rejection, tempFolder } from '../helpers/folders.js';

// What Windows, macOS and Linux all accept in a file name, and what none of them changes.
const PORTABLE = /^[A-Za-z0-9._\-()+,=@[\] %^~]+$/;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

function assertPortable(file: string): void {
  for (const part of file.split('/')) {
    expect(part).toMatch(PORTABLE);
    expect(Buffer.byteLength(part)).toBeLessThanOrEqual(255);
    expect(part).not.toMatch(/[. ]$/);
    expect(part).not.toMatch(/^[. ]/);
    expect(WINDOWS_RESERVED.test(part.split('.')[0]!)).toBe(false);
    // No upper case: two names that differ only in case would be one file on macOS and Windows.
    const plain = part.replace(/\^[A-Z]|%[0-9A-F]{2}/g, '');
    expect(plain).toBe(plain.toLowerCase());
  }
}

// The characters that matter to file systems, and any code point (fast-check's 'binary' is slow to generate).
const nameChar = fc.oneof(
  fc.constantFrom('/', '\\', ':', '%', '^', '~', '.', ' ', '\n', '\t', '\0', '"', '*', '?', 'é', 'e\u0301', '😀', 'A', 'Z', 'a', 'con', 'NUL', '(', ','),
  fc.integer({ min: 0, max: 0x10ffff }).filter((c) => c < 0xd800 || c > 0xdfff).map((c) => String.fromCodePoint(c)),
);

describe('object files', () => {
  test('a readable file per object, kind as the folder', () => {
    expect(objectFile('table:public.users')).toBe('table/public.users.json');
    expect(objectFile('column:public.users.email')).toBe('column/public.users.email.json');
    expect(objectFile('function:public.f(x integer, y text[])')).toBe('function/public.f(x integer, y text[]).json');
    expect(objectFile('default-privileges:app.tables')).toBe('default-privileges/app.tables.json');
  });

  test('separators, Windows characters, control characters, case and non-ASCII are escaped', () => {
    expect(objectFile('table:public.a/b')).toBe('table/public.a%2Fb.json');
    expect(objectFile('table:public.a\\b:c')).toBe('table/public.a%5Cb%3Ac.json');
    expect(objectFile('table:public."q"<>|?*')).toBe('table/public.%22q%22%3C%3E%7C%3F%2A.json');
    expect(objectFile('table:public.tab\tnew\nline')).toBe('table/public.tab%09new%0Aline.json');
    expect(objectFile('table:public.Users')).toBe('table/public.^Users.json');
    expect(objectFile('table:public.café')).toBe('table/public.caf%C3%A9.json');
    expect(objectFile('table:public.100%^')).toBe('table/public.100%25%5E.json');
    expect(objectFile('schema:con')).toBe('schema/%63on.json');
    expect(objectFile('schema:CON')).toBe('schema/%43^O^N.json');
    expect(objectFile('schema:trailing.')).toBe('schema/trailing%2E.json');
    expect(objectFile('schema: lead')).toBe('schema/%20lead.json');
    expect(objectFile('schema:~')).toBe('schema/%7E.json');
  });

  test('every path round-trips, and its file name is portable', () => {
    const pathArb = fc
      .tuple(fc.constantFrom('table', 'column', 'function', 'default-privileges'), fc.string({ unit: nameChar, maxLength: 80 }))
      .map(([kind, name]) => `${kind}:${name}`);
    fc.assert(
      fc.property(pathArb, (p) => {
        const file = objectFile(p);
        assertPortable(file);
        // A cut name reads back through the path its file holds; any other through its name.
        if (/~[0-9a-f]{16}\.json$/.test(file)) expect(objectPathOf(file)).toBeUndefined();
        else expect(objectPathOf(file)).toBe(p);
        expect(objectFile(JSON.parse(objectText(p, { kind: 'table' })).path)).toBe(file);
      }),
      { numRuns: 500 },
    );
  });

  test('two names that differ only in case get names that differ in more than case', () => {
    const a = objectFile('table:public.users');
    const b = objectFile('table:public.Users');
    expect(a.toLowerCase()).not.toBe(b.toLowerCase());
  });

  test('a very long path is cut with a hash of the whole path; the file holds the path', () => {
    const args = Array.from({ length: 40 }, (_, i) => `argument_${i} character varying`).join(', ');
    const long = `function:public.f(${args})`;
    const other = `function:public.f(${args}, x integer)`;
    const file = objectFile(long);
    assertPortable(file);
    expect(file.startsWith('function/public.f(argument_0 character varying, ')).toBe(true);
    expect(file).toMatch(/~[0-9a-f]{16}\.json$/);
    expect(objectFile(other)).not.toBe(file);
    expect(objectPathOf(file)).toBeUndefined();
    expect(JSON.parse(objectText(long, { kind: 'function' })).path).toBe(long);
    // A cut never ends inside an escape.
    const escaped = objectFile(`table:${'é'.repeat(150)}`);
    expect(escaped).toMatch(/^table\/(%C3%A9)+~[0-9a-f]{16}\.json$/);
  });

  test('escaping is a bijection on segments', () => {
    fc.assert(
      fc.property(fc.string({ unit: nameChar, maxLength: 40 }), (s) => {
        expect(unescapeSegment(escapeSegment(s))).toBe(s);
      }),
    );
    expect(() => unescapeSegment('%zz')).toThrow();
    expect(() => unescapeSegment('^a')).toThrow();
  });

  test('file text: sorted keys, two-space indent, a final newline, whatever the key order', () => {
    const a: SnapshotObject = { kind: 'column', type: 'text', notNull: true, default: null, table: 'public.users' };
    const b: SnapshotObject = { table: 'public.users', default: null, notNull: true, type: 'text', kind: 'column' };
    const text = objectText('column:public.users.email', a);
    expect(text).toBe(objectText('column:public.users.email', b));
    expect(text).toBe(
      '{\n  "default": null,\n  "kind": "column",\n  "notNull": true,\n  "path": "column:public.users.email",\n  "table": "public.users",\n  "type": "text"\n}\n',
    );
  });
});

describe('writeObjects and readObjects', () => {
  let dir = '';
  tempFolder('migtest-files-', (d) => (dir = d));

  const objects: Record<string, SnapshotObject> = {
    'schema:public': { kind: 'schema' },
    'table:public.Users': { kind: 'table', columns: ['id', 'e-mail/x'] },
    'column:public.Users.e-mail/x': { kind: 'column', table: 'public.Users', type: 'text' },
    'view:public.v': { kind: 'view', definition: ' SELECT 1;\n' },
  };

  function tree(root: string): Record<string, string> {
    const files: Record<string, string> = {};
    const walk = (d: string): void => {
      for (const entry of readdirSync(d)) {
        const full = path.join(d, entry);
        if (statSync(full).isDirectory()) walk(full);
        else files[path.relative(root, full)] = readFileSync(full, 'utf8');
      }
    };
    walk(root);
    return files;
  }

  test('writes one file per object and a marker; reads the same objects back', () => {
    const result = writeObjects(dir, 17, objects, 1);
    expect(result).toMatchObject({ objects: 4, written: 4, removed: 0, unchanged: 0 });
    expect(Object.keys(tree(dir)).sort()).toEqual([
      'pg17/column/public.^Users.e-mail%2Fx.json',
      `pg17/${MARKER}`,
      'pg17/schema/public.json',
      'pg17/table/public.^Users.json',
      'pg17/view/public.v.json',
    ]);
    expect(JSON.parse(tree(dir)[`pg17/${MARKER}`]!)).toEqual({ tool: 'migtest', layout: 1, postgres: 17, format: 1 });
    const read = readObjects(dir, 17)!;
    expect(read.objects).toEqual(objects);
    expect(read.files['view:public.v']).toBe(path.join(dir, 'pg17/view/public.v.json'));
    expect(readObjects(dir, 16)).toBeUndefined();
  });

  test('the same objects, in any order, write byte-identical files and touch none of them again', () => {
    writeObjects(dir, 17, objects, 1);
    const first = tree(dir);
    const reversed = Object.fromEntries(Object.entries(objects).reverse());
    const again = writeObjects(dir, 17, reversed, 1);
    expect(again).toMatchObject({ written: 0, removed: 0, unchanged: 4 });
    expect(tree(dir)).toEqual(first);
  });

  test('a second write removes the files of objects that are gone, and their empty folders', () => {
    writeObjects(dir, 17, objects, 1);
    const { 'view:public.v': _gone, ...rest } = objects;
    const result = writeObjects(dir, 17, rest, 1);
    expect(result).toMatchObject({ written: 0, removed: 1, unchanged: 3 });
    expect(Object.keys(tree(dir))).not.toContain('pg17/view/public.v.json');
    expect(readdirSync(path.join(dir, 'pg17'))).not.toContain('view');
  });

  test('refuses to clean a folder migtest did not write', async () => {
    mkdirSync(path.join(dir, 'pg17', 'table'), { recursive: true });
    writeFileSync(path.join(dir, 'pg17', 'table', 'mine.json'), '{}');
    const error = await rejection(Promise.resolve().then(() => writeObjects(dir, 17, objects, 1)));
    expect(error.message).toContain('is not a migtest snapshot folder');
    expect(error.fix).toContain('--out');
    expect(readFileSync(path.join(dir, 'pg17', 'table', 'mine.json'), 'utf8')).toBe('{}');
  });

  test('a file renamed by hand or not JSON is bad input naming the file', async () => {
    writeObjects(dir, 17, objects, 1);
    writeFileSync(path.join(dir, 'pg17/table/public.users.json'), readFileSync(path.join(dir, 'pg17/table/public.^Users.json')));
    const renamed = await rejection(Promise.resolve().then(() => readObjects(dir, 17)));
    expect(renamed.file).toBe(path.join(dir, 'pg17/table/public.users.json'));
    expect(renamed.message).toContain('should be table/public.^Users.json');
    writeFileSync(path.join(dir, 'pg17/table/public.users.json'), '{ nope');
    const broken = await rejection(Promise.resolve().then(() => readObjects(dir, 17)));
    expect(broken.message).toContain('not valid JSON');
    // A path edited by hand into one without a kind.
    writeFileSync(path.join(dir, 'pg17/table/public.users.json'), JSON.stringify({ kind: 'table', path: 'public.users' }));
    const kindless = await rejection(Promise.resolve().then(() => readObjects(dir, 17)));
    expect(kindless.file).toBe(path.join(dir, 'pg17/table/public.users.json'));
    expect(kindless.message).toContain("'public.users'");
  });
});
