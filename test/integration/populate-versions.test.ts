import { describe, expect, test } from 'vitest';
import { populate } from '../../src/data/populate.js';
import { startEmbedded } from '../../src/postgres/embedded.js';

// The catalog query and the literals on the oldest and the newest major migtest supports.
const SCHEMA = `
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE DOMAIN positive AS numeric(8,2) NOT NULL CHECK (VALUE > 0);
CREATE TABLE parent (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, code varchar(8) NOT NULL UNIQUE, m mood, p positive, at timestamptz, r tstzrange, j jsonb, a text[], ip inet, n cidr);
CREATE TABLE child (id serial PRIMARY KEY, parent_id bigint NOT NULL REFERENCES parent, up int REFERENCES child, u uuid NOT NULL, d daterange, b bytea, g text GENERATED ALWAYS AS (upper(u::text)) STORED);
CREATE TABLE part (k int NOT NULL, v text) PARTITION BY RANGE (k);
CREATE TABLE part_all PARTITION OF part FOR VALUES FROM (MINVALUE) TO (MAXVALUE);`;

describe.each([14, 18])('PostgreSQL %i', (major) => {
  test('reads the catalog and fills every table', async () => {
    const server = await startEmbedded({ major });
    try {
      const db = await server.createDatabase();
      const client = await db.connect();
      try {
        await client.query(SCHEMA);
        const report = await populate(client, { rows: 10, seed: major });
        expect(report.tables.map((t) => [t.table, t.rows])).toEqual([['public.parent', 10], ['public.child', 10], ['public.part', 10]]);
        expect(report.skipped).toEqual([{ table: 'public.part_all', reason: 'partition of public.part: filled through it' }]);
        expect(report.unfilled).toEqual([]);
      } finally {
        await client.end();
      }
    } finally {
      await server.stop();
    }
  });
});
