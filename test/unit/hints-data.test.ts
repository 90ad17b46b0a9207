import { describe, expect, test } from 'vitest';
import { dataHintFor } from '../../src/checks/hints.js';
import type { Statement } from '../../src/migrations/types.js';

const at = (sql: string): Statement => ({ sql }) as Statement;

describe('dataHintFor: a 23505 says what to do for the statement that met it', () => {
  test('a unique index or constraint over existing duplicates: clean them first', () => {
    for (const sql of ['CREATE UNIQUE INDEX users_email ON users (email)', 'ALTER TABLE users ADD CONSTRAINT users_email UNIQUE (email)']) {
      expect(dataHintFor('23505', at(sql))).toMatch(/duplicates of the new unique key/);
    }
  });
  test('an INSERT that meets rows already there (a copy run again): skip them', () => {
    for (const sql of [
      'INSERT INTO contacts (customer_id, email) SELECT id, email FROM customers',
      'WITH src AS (SELECT id FROM customers) INSERT INTO contacts (customer_id) SELECT id FROM src',
      '  insert into roles values (1)',
    ]) {
      expect(dataHintFor('23505', at(sql))).toMatch(/ON CONFLICT … DO NOTHING, or WHERE NOT EXISTS/);
    }
  });
  test('no statement: the unique-key hint', () => {
    expect(dataHintFor('23505', undefined)).toMatch(/duplicates of the new unique key/);
  });
});
