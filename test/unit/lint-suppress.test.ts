import { describe, expect, it } from 'vitest';
import { lint, where } from './lint-set.js';

describe('lint suppression comments', () => {
  it('takes several rules in one comment, and stacked comment lines above the statement', async () => {
    const findings = await lint({
      '001.up.sql': [
        '-- migtest-ignore: create-if-not-exists, rename',
        'CREATE TABLE a (id int);',
        '-- migtest-ignore: drop-if-exists -- the table is dropped by hand before',
        '-- (reviewed)',
        'DROP TABLE b;',
      ].join('\n'),
    });
    expect(where(findings)).toEqual(['unused-ignore 001.up.sql:1']);
    expect(findings[0]!.message).toBe('unused-ignore: the comment ignores rename, but no rename finding is on the statement it belongs to (the next statement, or the one on its line)');
  });

  it('does not reach over a blank line or another statement', async () => {
    const findings = await lint({ '001.up.sql': '-- migtest-ignore: create-if-not-exists\n\nCREATE TABLE a (id int);\nCREATE TABLE b (id int); -- migtest-ignore: drop-if-exists\nDROP TABLE c;' });
    expect(where(findings)).toEqual([
      'unused-ignore 001.up.sql:1',
      'create-if-not-exists 001.up.sql:3',
      'create-if-not-exists 001.up.sql:4',
      'unused-ignore 001.up.sql:4',
      'drop-if-exists 001.up.sql:5',
    ]);
  });

  it('reports a comment that names no rule', async () => {
    const findings = await lint({ '001.up.sql': '-- migtest-ignore: create-if-not-exist\nCREATE TABLE a (id int);' });
    expect(where(findings)).toEqual(['unused-ignore 001.up.sql:1', 'create-if-not-exists 001.up.sql:2']);
    expect(findings[0]!.message).toContain('create-if-not-exist, which is not a rule');
    expect(findings[0]!.hint).toContain('create-if-not-exists');
    expect(findings[0]!.statement).toBe('-- migtest-ignore: create-if-not-exist');
  });

  it('ignores the marker inside a string or a $$ body', async () => {
    const findings = await lint({ '001.up.sql': "SELECT '-- migtest-ignore: rename';\nDO $$ BEGIN -- migtest-ignore: rename\nEND $$;" });
    expect(findings).toEqual([]);
  });
});
