import { describe, expect, it } from 'vitest';
import { locate } from '../../src/checks/tool/locate.js';

const files = [
  { file: '/set/001_a.sql', text: '-- migrate:up\nCREATE TABLE a (id int);\nCREATE INDEX a_id ON a (id);\n\n-- migrate:down\nDROP TABLE a;\n' },
  { file: '/set/002_b.sql', text: 'CREATE TABLE b (\n  id int\n);\n' },
];

describe('locating the statement a tool sent', () => {
  it('finds a section sent whole, and a statement inside it by its offset', () => {
    const sent = 'CREATE TABLE a (id int);\nCREATE INDEX a_id ON a (id);\n';
    expect(locate(files, sent)).toEqual({ file: '/set/001_a.sql', line: 2, column: 1 });
    expect(locate(files, sent, sent.indexOf('CREATE INDEX'))).toEqual({ file: '/set/001_a.sql', line: 3, column: 1 });
  });

  it('finds a statement sent as written, in any file', () => {
    expect(locate(files, 'DROP TABLE a')).toEqual({ file: '/set/001_a.sql', line: 6, column: 1 });
    expect(locate(files, '  CREATE TABLE b (\n  id int\n)')).toEqual({ file: '/set/002_b.sql', line: 1, column: 1 });
  });

  it('finds a statement a tool ended with a semicolon the file does not have', () => {
    expect(locate([{ file: '/set/x.js', text: "pgm.sql('ALTER TABLE a ADD COLUMN b text');\n" }], 'ALTER TABLE a ADD COLUMN b text;')).toEqual({ file: '/set/x.js', line: 1, column: 10 });
  });

  it('falls back to the first line of substance when the tool reformats the rest', () => {
    expect(locate(files, '-- added by the tool\nCREATE TABLE b (\n  id int, extra int\n)')).toEqual({ file: '/set/002_b.sql', line: 1, column: 1 });
  });

  it('finds nothing for text that is not in the set (the tool\'s own tracker statements)', () => {
    expect(locate(files, 'SELECT version FROM schema_migrations')).toBeUndefined();
    expect(locate(files, '   ')).toBeUndefined();
  });
});
