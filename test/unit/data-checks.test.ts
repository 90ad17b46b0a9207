import { describe, expect, test } from 'vitest';
import { checkRules } from '../../src/data/checks.js';

describe('checkRules reads the simplest CHECKs as pg_get_constraintdef writes them', () => {
  test('a bound on a column, either way round, with a cast', () => {
    expect(checkRules('CHECK ((quantity >= 0))')).toEqual([{ kind: 'bound', column: 'quantity', op: '>=', value: 0 }]);
    expect(checkRules('CHECK ((VALUE >= (0)::numeric))')).toEqual([{ kind: 'bound', column: 'VALUE', op: '>=', value: 0 }]);
    expect(checkRules('CHECK ((10.5 > "Price"))')).toEqual([{ kind: 'bound', column: 'Price', op: '<', value: 10.5 }]);
    expect(checkRules("CHECK ((n < '-3'::integer))")).toEqual([{ kind: 'bound', column: 'n', op: '<', value: -3 }]);
  });

  test('a list of values, and bounds joined with AND', () => {
    expect(checkRules("CHECK ((operation = ANY (ARRAY['INSERT'::text, 'UPDATE'::text, 'it''s'::text])))")).toEqual([
      { kind: 'choices', column: 'operation', values: ['INSERT', 'UPDATE', "it's"] },
    ]);
    expect(checkRules('CHECK (((age >= 0) AND (age <= 150)))')).toEqual([
      { kind: 'bound', column: 'age', op: '>=', value: 0 },
      { kind: 'bound', column: 'age', op: '<=', value: 150 },
    ]);
  });

  test('two columns in order, also behind an IS NULL guard', () => {
    expect(checkRules('CHECK (((valid_to IS NULL) OR (valid_to >= valid_from)))')).toEqual([{ kind: 'order', left: 'valid_to', op: '>=', right: 'valid_from' }]);
    expect(checkRules('CHECK ((ends > starts)) NOT VALID')).toEqual([{ kind: 'order', left: 'ends', op: '>', right: 'starts' }]);
  });

  test('anything else is left to the server', () => {
    expect(checkRules("CHECK ((name ~ '^[a-z]+$'::text))")).toEqual([]);
    expect(checkRules('CHECK (((a > 0) OR (b > 0)))')).toEqual([]);
    expect(checkRules('CHECK ((length(name) > 3))')).toEqual([]);
    expect(checkRules('UNIQUE (a)')).toEqual([]);
  });
});

describe('partitionRules: what the partitions accept, so that generated rows find one', () => {
  test('LIST partitions give their values; RANGE partitions their ranges; DEFAULT or HASH need nothing', async () => {
    const { partitionRules } = await import('../../src/data/partitions.js');
    expect(partitionRules('LIST (region)', ["FOR VALUES IN ('eu', 'it''s')", "FOR VALUES IN ('us', NULL)"])).toEqual([
      { kind: 'choices', column: 'region', values: ['eu', "it's", 'us'] },
    ]);
    expect(partitionRules('RANGE (at)', ["FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')", 'FOR VALUES FROM (MINVALUE) TO (10)'])).toEqual([
      { kind: 'ranges', column: 'at', ranges: [{ from: '2024-01-01', to: '2024-02-01' }, { from: null, to: '10' }] },
    ]);
    expect(partitionRules('LIST (region)', ["FOR VALUES IN ('eu')", 'DEFAULT'])).toEqual([]);
    expect(partitionRules('HASH (id)', ['FOR VALUES WITH (modulus 2, remainder 0)'])).toEqual([]);
    expect(partitionRules('RANGE (lower(name))', ["FOR VALUES FROM ('a') TO ('m')"])).toEqual([]);
  });
});
