import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type pg from 'pg';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { DatabaseHandle, Server } from '../../src/postgres/types.js';
import { diffSnapshots } from '../../src/snapshot/diff.js';
import { stateHash } from '../../src/snapshot/hash.js';
import { snapshotHash, takeSnapshot } from '../../src/snapshot/snapshot.js';
import { OBJECT_KINDS, type Snapshot } from '../../src/snapshot/types.js';
import { EVERY_KIND } from './snapshot-kinds.schema.js';

async function withClient<T>(db: DatabaseHandle, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

describe.each([14, 15, 16, 17, 18])('PostgreSQL %i', (major) => {
  let server: Server;
  let db: DatabaseHandle;
  let snapshot: Snapshot;
  const object = (path: string): Record<string, unknown> => {
    const found = snapshot.objects[path];
    if (found === undefined) throw new Error(`no ${path} in the snapshot: ${Object.keys(snapshot.objects).join(', ')}`);
    return found;
  };

  beforeAll(async () => {
    server = await startEmbedded({ major });
    db = await server.createDatabase();
    snapshot = await withClient(db, async (client) => {
      await client.query(EVERY_KIND);
      return takeSnapshot(client);
    });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  test('every kind appears, and the server version is recorded', () => {
    const kinds = new Set(Object.values(snapshot.objects).map((o) => o.kind));
    expect([...kinds].sort()).toEqual([...OBJECT_KINDS].sort());
    expect(snapshot.format).toBe(2);
    expect(snapshot.postgres?.major).toBe(major);
    for (const [path, o] of Object.entries(snapshot.objects)) expect(path.startsWith(`${o.kind}:`)).toBe(true);
  });

  test('database, roles, schemas, extensions, default privileges', () => {
    expect(object('database:current')).toMatchObject({
      encoding: expect.any(String),
      settings: ['kinds_reader: lock_timeout=1s', 'search_path=app, public', 'statement_timeout=5s'],
    });
    if (major >= 17) expect(object('database:current')).toHaveProperty('locale');
    expect(object('role:kinds_reader')).toMatchObject({
      connectionLimit: 3,
      config: ['work_mem=2MB'],
      login: false,
      memberOf: [],
      validUntil: '2030-01-02T01:04:05.000000Z',
    });
    expect(object('role:kinds_owner').validUntil).toBe('infinity');
    expect(object('role:kinds_owner').memberOf).toEqual([major >= 16 ? 'kinds_reader (inherit, set)' : 'kinds_reader']);
    // The bootstrap superuser owns most objects, but its attributes are the server's.
    const bootstrap = object('table:app.base').owner as string;
    expect(snapshot.objects[`role:${bootstrap}`]).toBeUndefined();
    expect(object('schema:app')).toMatchObject({
      owner: 'kinds_owner',
      privileges: ['kinds_owner:CREATE', 'kinds_owner:USAGE', 'kinds_reader:USAGE'],
      comment: 'the application',
    });
    expect(object('extension:pg_trgm')).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+$/), schema: 'public' });
    // The extension's own functions and types are not the set's.
    expect(Object.keys(snapshot.objects).filter((p) => /similarity|gtrgm/.test(p))).toEqual([]);
    expect(object('default-privileges:kinds_owner.app.tables')).toMatchObject({ role: 'kinds_owner', schema: 'app', privileges: ['kinds_reader:SELECT'] });
    expect(object('default-privileges:kinds_owner.functions')).toMatchObject({ schema: null, privileges: ['kinds_owner:EXECUTE'] });
  });

  test('tables and columns', () => {
    expect(object('table:app.users')).toMatchObject({
      type: 'table',
      persistence: 'permanent',
      accessMethod: 'heap',
      options: ['autovacuum_enabled=false', 'fillfactor=80'],
      rowSecurity: true,
      forceRowSecurity: false,
      replicaIdentity: 'index',
      replicaIdentityIndex: 'app.users_email_key',
      owner: 'kinds_owner',
      comment: 'people',
      columns: ['id', 'email', 'score', 'doubled', 'bio', 'note', 'mood'],
    });
    expect(object('table:app.events')).toMatchObject({ type: 'partitioned table', partitionKey: 'RANGE (at)' });
    expect(object('table:app.events_2024')).toMatchObject({
      parents: ['app.events'],
      partitionBound: "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    });
    expect(object('table:app.child').parents).toEqual(['app.base']);
    expect(object('table:app.typed').ofType).toBe('app.pair');
    expect(object('table:app.cache').persistence).toBe('unlogged');
    expect(object('table:app.tickets').privileges).toContain('kinds_reader:UPDATE');
    expect(object('column:app.users.id')).toMatchObject({
      identity: 'always',
      identitySequence: { name: 'app.users_id_seq', start: '10', increment: '2', type: 'bigint' },
    });
    expect(object('column:app.users.email')).toMatchObject({
      type: 'text',
      notNull: true,
      collation: 'app.posix',
      comment: 'where to write',
      privileges: ['kinds_reader:SELECT'],
    });
    expect(object('column:app.users.doubled')).toMatchObject({ generated: 'stored', generationExpression: expect.stringContaining('score') });
    expect(object('column:app.users.bio')).toMatchObject({ storage: 'external', collation: null });
    expect(object('column:app.users.note')).toMatchObject({ compression: 'pglz', storage: null });
    expect(object('column:app.users.mood')).toMatchObject({ type: 'app.mood', default: "'ok'::app.mood" });
    expect(object('column:app.child.x')).toMatchObject({ local: false, inheritedCount: 1 });
  });

  test('constraints, indexes, sequences', () => {
    expect(object('constraint:app.users.users_score_check')).toMatchObject({
      type: 'check',
      definition: expect.stringContaining('NOT VALID'),
      validated: false,
      comment: 'sanity',
    });
    expect(object('constraint:app.tickets.tickets_user_id_fkey')).toMatchObject({
      type: 'foreign key',
      definition: expect.stringContaining('REFERENCES app.users(id)'),
      deferrable: true,
      deferred: true,
    });
    expect(object('constraint:app.child.base_x_check')).toMatchObject({ local: false, inheritedCount: 1, noInherit: false });
    if (major >= 18) {
      expect(object('constraint:app.users.users_pkey').enforced).toBe(true);
      expect(object('constraint:app.users.users_email_not_null').type).toBe('not null');
    } else {
      expect(object('constraint:app.users.users_pkey')).not.toHaveProperty('enforced');
    }
    expect(object('index:app.users_email_key')).toMatchObject({
      table: 'app.users',
      unique: true,
      primary: false,
      valid: true,
      ready: true,
      replicaIdentity: true,
      comment: 'one account per address',
    });
    expect(object('index:app.events_2024_at_idx').parent).toBe('app.events_at_idx');
    expect(object('index:app.user_count_n').table).toBe('app.user_count');
    if (major >= 15) expect(object('index:app.users_pkey').nullsNotDistinct).toBe(false);
    else expect(object('index:app.users_pkey')).not.toHaveProperty('nullsNotDistinct');
    expect(object('sequence:app.counter')).toMatchObject({ increment: '5', cache: '10', comment: 'tickets', ownedBy: null });
    expect(object('sequence:app.tickets_id_seq').ownedBy).toBe('app.tickets.id');
    // An identity column's sequence is described by its column.
    expect(snapshot.objects['sequence:app.users_id_seq']).toBeUndefined();
  });

  test('views, routines, triggers, policies', () => {
    expect(object('view:app.emails')).toMatchObject({
      definition: expect.stringContaining('FROM app.users'),
      options: ['check_option=local', 'security_barrier=true'],
    });
    expect(object('materialized-view:app.user_count')).toMatchObject({ populated: false });
    expect(object('function:app.add(integer, text)')).toMatchObject({
      definition: expect.stringContaining('RETURN (a + length(b))'),
      comment: 'adds',
      privileges: expect.arrayContaining(['PUBLIC:EXECUTE']),
    });
    expect(object('procedure:app.reset(integer)').definition).toContain('BEGIN ATOMIC');
    expect(object('aggregate:app.total(integer)')).toMatchObject({ transition: 'int4pl', stateType: 'integer', initialValue: '0' });
    // A range's constructor functions come with the range.
    expect(Object.keys(snapshot.objects).filter((p) => p.startsWith('function:app.floatrange'))).toEqual([]);
    expect(object('trigger:app.users.touch')).toMatchObject({ enabled: 'origin', comment: 'keeps time' });
    expect(object('trigger:app.events_2024.events_touch').parent).toBe('app.events.events_touch');
    expect(object('constraint:app.events_2024.events_2024_id_at_key').parent).toBe('app.events.events_id_at_key');
    expect(object('event-trigger:kinds_ddl')).toMatchObject({ event: 'ddl_command_end', tags: ['CREATE TABLE'], function: 'app.on_ddl' });
    expect(object('policy:app.users.own_rows')).toMatchObject({
      command: 'SELECT',
      permissive: true,
      roles: ['kinds_reader'],
      using: '(email = CURRENT_USER)',
      withCheck: null,
    });
  });

  test('types, collations, statistics, rules, publications', () => {
    expect(object('enum:app.mood')).toMatchObject({ labels: ['sad', 'ok', 'happy'], comment: 'how it feels' });
    expect(object('composite:app.pair').attributes).toEqual(['a integer', 'b text COLLATE app.posix']);
    expect(object('domain:app.positive')).toMatchObject({ baseType: 'integer', notNull: true, default: '1' });
    expect(object('domain:app.positive').constraints).toContain('positive_check: CHECK (VALUE > 0)');
    expect(object('range:app.floatrange')).toMatchObject({ subtype: 'double precision', subtypeDiff: 'float8mi', multirange: 'app.floatmultirange' });
    expect(object('collation:app.posix')).toMatchObject({ provider: 'libc', collate: 'posix', deterministic: true });
    expect(object('statistics:app.users_stats')).toMatchObject({ table: 'app.users', columns: 'id, score', kinds: ['dependencies', 'ndistinct'], target: null });
    expect(object('rule:app.cache.no_delete').definition).toContain('DO INSTEAD NOTHING');
    expect(object('publication:kinds_pub')).toMatchObject({ tables: ['app.users'], operations: ['insert', 'update'], allTables: false });
  });

  test('a copy of the state is the same state, database settings included', async () => {
    const copy = await server.createDatabase({ template: db.name });
    const [copied, timeout] = await withClient(copy, async (client) => [
      await takeSnapshot(client),
      // Read from the catalog: migtest's own connections set statement_timeout (--statement-timeout).
      (
        await client.query<{ statement_timeout: string }>(
          `SELECT substr(s, length('statement_timeout=') + 1) AS statement_timeout
             FROM pg_db_role_setting, unnest(setconfig) AS s
            WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) AND setrole = 0 AND s LIKE 'statement_timeout=%'`,
        )
      ).rows[0]?.statement_timeout,
    ] as const);
    expect(timeout).toBe('5s');
    expect(diffSnapshots(snapshot, copied)).toEqual([]);
    const [a, b] = [await withClient(db, (c) => stateHash(c)), await withClient(copy, (c) => stateHash(c))];
    expect(b.schema).toBe(a.schema);
    expect(b.raw).toBe(a.raw);
  });

  test('a NULL ACL and the same privileges granted explicitly are equal', async () => {
    const copy = await server.createDatabase({ template: db.name });
    const regranted = await withClient(copy, async (client) => {
      await client.query(`
        GRANT ALL ON TABLE app.base TO CURRENT_USER;
        GRANT USAGE ON TYPE app.mood TO PUBLIC;
        GRANT EXECUTE ON FUNCTION app.touch() TO PUBLIC;
        GRANT USAGE, SELECT, UPDATE ON SEQUENCE app.counter TO CURRENT_USER;`);
      return takeSnapshot(client);
    });
    expect(diffSnapshots(snapshot, regranted)).toEqual([]);
    expect(snapshotHash(regranted)).toBe(snapshotHash(snapshot));
  });

  // Last: roles are the server's, so this changes every database on it.
  test('a change to a role the objects name changes the state', async () => {
    const before = await withClient(db, (c) => stateHash(c));
    await withClient(db, (c) => c.query('ALTER ROLE kinds_reader CONNECTION LIMIT 5'));
    const after = await withClient(db, (c) => stateHash(c));
    expect(after.schema).not.toBe(before.schema);
    expect(after.raw).not.toBe(before.raw);
    const changed = await withClient(db, (c) => takeSnapshot(c));
    expect(diffSnapshots(snapshot, changed)).toEqual([
      { path: 'role:kinds_reader', change: 'changed', expected: { connectionLimit: 3 }, found: { connectionLimit: 5 } },
    ]);
  });
});
