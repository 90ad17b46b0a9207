// A plan per account, indexed without locking writes: CREATE INDEX CONCURRENTLY cannot run in a
// transaction, so the migration opts out of node-pg-migrate's transaction. Each statement then
// commits on its own, and the migration is recorded only after the last one: every statement
// must be safe to run again after a run stopped between them.
export const up = (pgm) => {
  pgm.noTransaction();
  pgm.sql('ALTER TABLE accounts ADD COLUMN IF NOT EXISTS plan text');
  // An index left invalid by an interrupted build is dropped and built again.
  pgm.sql('DROP INDEX CONCURRENTLY IF EXISTS accounts_plan_idx');
  pgm.sql('CREATE INDEX CONCURRENTLY accounts_plan_idx ON accounts (plan)');
};

export const down = (pgm) => {
  pgm.noTransaction();
  pgm.sql('DROP INDEX CONCURRENTLY IF EXISTS accounts_plan_idx');
  pgm.sql('ALTER TABLE accounts DROP COLUMN IF EXISTS plan');
};
