import { expect, test } from 'vitest';
import type { RawType } from '../../src/data/kinds.js';
import { shapesOf, type RawColumn, type RawTable } from '../../src/data/shapes.js';
import { literal } from '../../src/data/sql.js';
import { insertStatements } from '../../src/data/statements.js';
import type { DataPlan, Inserted } from '../../src/data/types.js';

const TYPES: RawType[] = [23, 25].map((oid) => ({
  oid, schema: 'pg_catalog', name: oid === 23 ? 'int4' : 'text', type: 'b', category: oid === 23 ? 'N' : 'S', elem: 0, base: 0, typmod: -1, notNull: false, hasDefault: false, rangeOf: null, labels: null, checks: [],
}));
const col = (name: string, typeOid: number, extra: Partial<RawColumn> = {}): RawColumn => ({ name, type: String(typeOid), typeOid, typmod: -1, notNull: false, default: null, identity: '', generated: '', ...extra });
const table = (name: string, extra: Partial<RawTable>): RawTable => ({
  schema: 'app', name, kind: 'r', partitionOf: null, owner: 'o', rowSecurity: false, forceRowSecurity: false, ownerMember: true, extension: null, columns: [], keys: [], foreignKeys: [], checks: [], ...extra,
});
const shapes = shapesOf({ user: 'postgres', superuser: true, bypassRowSecurity: true, types: TYPES, tables: [
  table('team', { columns: [col('id', 23, { identity: 'a', notNull: true }), col('name', 25)], keys: [['id']] }),
  table('person', {
    columns: [col('id', 23, { notNull: true }), col('team_id', 23, { notNull: true }), col('boss', 23)],
    keys: [['id']],
    foreignKeys: [
      { name: 'person_team', columns: ['team_id'], parent: 'app.team', parentColumns: ['id'] },
      { name: 'person_boss', columns: ['boss'], parent: 'app.person', parentColumns: ['id'] },
    ],
  }),
] });
const plan: DataPlan = { tables: [
  { schema: 'app', name: 'team', columns: ['name'], rows: [["O'Hara"], ['back\\slash']] },
  { schema: 'app', name: 'person', columns: ['id', 'team_id', 'boss'], rows: [['1', { parent: 0, row: 1 }, null], ['2', { parent: 0, row: 0 }, { parent: 1, row: 0 }]] },
] };

test('without what insertData returned, references are subselects of the parent\'s n-th row by key; self-referencing rows go one by one', () => {
  expect(insertStatements(shapes, plan)).toEqual([
    `INSERT INTO "app"."team" ("name") VALUES\n  ('O''Hara'),\n  (E'back\\\\slash');`,
    `INSERT INTO "app"."person" ("id", "team_id", "boss") VALUES\n  ('1', (SELECT "id" FROM "app"."team" ORDER BY "id" LIMIT 1 OFFSET 1), NULL);`,
    `INSERT INTO "app"."person" ("id", "team_id", "boss") VALUES\n  ('2', (SELECT "id" FROM "app"."team" ORDER BY "id" LIMIT 1 OFFSET 0), (SELECT "id" FROM "app"."person" ORDER BY "id" LIMIT 1 OFFSET 0));`,
  ]);
});

test('with what insertData returned: the values sent, only the rows the server kept, and the keys the server made that children point to', () => {
  const got: Inserted[] = [
    { table: 'app.team', rows: 1, wanted: 2, sent: [["O'Hara"], ['back\\slash']], accepted: [false, true], keys: [null, ['7']] },
    { table: 'app.person', rows: 1, wanted: 2, sent: [['1', '7', null], null], accepted: [true, false] },
  ];
  expect(insertStatements(shapes, plan, got)).toEqual([
    `INSERT INTO "app"."team" ("name", "id") OVERRIDING SYSTEM VALUE VALUES\n  (E'back\\\\slash', '7');`,
    `INSERT INTO "app"."person" ("id", "team_id", "boss") VALUES\n  ('1', '7', NULL);`,
  ]);
});

test('literals read the same whatever standard_conforming_strings says', () => {
  expect(literal(null)).toBe('NULL');
  expect(literal("it's")).toBe("'it''s'");
  expect(literal('\\x00ff')).toBe("E'\\\\x00ff'");
});
