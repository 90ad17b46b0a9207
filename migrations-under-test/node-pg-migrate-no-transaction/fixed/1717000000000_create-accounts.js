// The accounts table, in a transaction of its own.
export const up = (pgm) => {
  pgm.sql(`CREATE TABLE accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL
  )`);
};

export const down = (pgm) => {
  pgm.sql('DROP TABLE accounts');
};
