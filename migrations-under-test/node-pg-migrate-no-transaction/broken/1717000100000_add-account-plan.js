// A plan per account, indexed without locking writes: CREATE INDEX CONCURRENTLY cannot run in a
// transaction, so the migration opts out of node-pg-migrate's transaction. Each statement then
// commits on its own, and the migration is recorded only after the last one.
export const up = (pgm) => {
  pgm.noTransaction();
  pgm.sql('ALTER TABLE accounts ADD COLUMN plan text');
  pgm.sql('CREATE INDEX CONCURRENTLY accounts_plan_idx ON accounts (plan)');
};

export const down = (pgm) => {
  pgm.noTransaction();
  pgm.sql('DROP INDEX CONCURRENTLY accounts_plan_idx');
  pgm.sql('ALTER TABLE accounts DROP COLUMN plan');
};
