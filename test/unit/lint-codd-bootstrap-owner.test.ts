import { describe, expect, it } from 'vitest';
import { lint, of, suppression, where } from './lint-set.js';

const RULE = 'codd-bootstrap-owner';
const BOOTSTRAP = '2024-06-01-08-00-00-bootstrap.sql';
const OPTIONS = {
  runnerOptions: { database: 'orders', user: 'orders_owner' },
  directives: { [BOOTSTRAP]: { 'no-txn': true, 'connection-database': 'postgres', 'connection-key': 'k', connection: 'postgres://postgres@localhost/postgres' } },
};
const files = (create: string): Record<string, string> => ({
  [BOOTSTRAP]: `-- codd: no-txn\nDO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'orders_owner') THEN CREATE ROLE orders_owner LOGIN; END IF; END $$;\n${create}`,
  '2024-06-01-08-01-00-create-customers.sql': 'CREATE TABLE customers (id bigint PRIMARY KEY);',
});

describe(RULE, () => {
  it("flags CREATE DATABASE of CODD_CONNECTION's database without OWNER its user, with the place execution fails", async () => {
    const findings = of(await lint(files('CREATE DATABASE orders;'), 'codd', OPTIONS), RULE);
    expect(where(findings)).toEqual([`${RULE} ${BOOTSTRAP}:3`]);
    expect(findings[0]!.hint).toBe('write CREATE DATABASE orders OWNER orders_owner');
    expect(findings[0]!.case?.effect).toEqual({ file: '/sets/example/2024-06-01-08-01-00-create-customers.sql', line: 1 });
  });

  it('accepts OWNER the user, and says nothing without the user option', async () => {
    expect(await lint(files('CREATE DATABASE orders OWNER orders_owner;'), 'codd', OPTIONS)).toEqual([]);
    expect(of(await lint(files('CREATE DATABASE orders;'), 'codd', { ...OPTIONS, runnerOptions: { database: 'orders' } }), RULE)).toEqual([]);
  });

  suppression(RULE, files('CREATE DATABASE orders;'), files('CREATE DATABASE orders OWNER orders_owner;'), 'codd', OPTIONS);
});
