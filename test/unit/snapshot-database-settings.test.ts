import { describe, expect, test } from 'vitest';
import { settingStatements } from '../../src/postgres/database-settings.js';

describe('settingStatements', () => {
  test('database-wide and per-role settings, values quoted as literals', () => {
    expect(
      settingStatements('migtest_1_a', [
        { role: null, config: ['statement_timeout=5s', "application_name=it's"] },
        { role: 'Reader', config: ['lock_timeout=1s'] },
      ]),
    ).toEqual([
      `ALTER DATABASE "migtest_1_a" SET "statement_timeout" = '5s'`,
      `ALTER DATABASE "migtest_1_a" SET "application_name" = 'it''s'`,
      `ALTER ROLE "Reader" IN DATABASE "migtest_1_a" SET "lock_timeout" = '1s'`,
    ]);
  });

  test('identifier lists stay lists: their stored text is already SQL', () => {
    expect(settingStatements('d', [{ role: null, config: ['search_path=app, "My Schema", public'] }])).toEqual([
      `ALTER DATABASE "d" SET "search_path" = app, "My Schema", public`,
    ]);
    // SET search_path = '' is stored as "", which is not an identifier.
    expect(settingStatements('d', [{ role: null, config: ['search_path=""'] }])).toEqual([
      `ALTER DATABASE "d" SET "search_path" = ''`,
    ]);
  });

  test('a custom setting names its prefix and name apart; an = in the value stays', () => {
    expect(settingStatements('d', [{ role: null, config: ['app.tenant=a=b'] }])).toEqual([
      `ALTER DATABASE "d" SET "app"."tenant" = 'a=b'`,
    ]);
  });

  test('an entry without a name is refused', () => {
    expect(() => settingStatements('d', [{ role: null, config: ['=x'] }])).toThrow(/unexpected database setting "=x"/);
  });
});
