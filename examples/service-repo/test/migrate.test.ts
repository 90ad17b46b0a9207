import { describe, expect, test } from 'vitest';
import { migrationFiles } from '../src/migrate.js';

describe('boot-time migrations', () => {
  test('applies every *.up.sql of db/migrations, in name order', async () => {
    const files = await migrationFiles();
    expect(files[0]).toBe('000001_create_notes.up.sql');
    expect(files.every((name) => name.endsWith('.up.sql'))).toBe(true);
    expect([...files].sort()).toEqual(files);
  });
});
