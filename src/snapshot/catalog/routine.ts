import type { KindQueries } from './query.js';
import { comment, functionName, privileges, sortedArray, userNamespace } from './sql.js';

// `schema.name(type, type)`: the argument types that identify a routine (for procedures these
// include OUT arguments), not their names, which CREATE OR REPLACE cannot change anyway.
const path = (kind: string): string =>
  `'${kind}:' || n.nspname || '.' || p.proname || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')'`;

const owned = `pg_catalog.pg_get_userbyid(p.proowner)::text AS owner,
  ${privileges('p.proacl', 'f', 'p.proowner')} AS privileges,
  ${comment('p.oid', 'pg_proc')} AS comment`;

const from = `FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace`;

/**
 * pg_get_functiondef with its SET lines sorted: it prints proconfig in the order the CREATE gave
 * the settings, which means nothing (rule 5). They are the last lines of the header, before the
 * body (`AS …`, `BEGIN ATOMIC`, `RETURN …`), which is left exactly as it is.
 */
const definition = `CASE WHEN pg_catalog.cardinality(p.proconfig) > 1 AND h.head IS NOT NULL THEN
    (SELECT pg_catalog.string_agg(x.line, E'\\n' ORDER BY x.line LIKE ' SET %',
        CASE WHEN x.line LIKE ' SET %' THEN x.line ELSE '' END COLLATE "C", x.n)
     FROM pg_catalog.regexp_split_to_table(h.head, E'\\n') WITH ORDINALITY AS x (line, n))
    || E'\\n' || pg_catalog.substr(f.def, pg_catalog.length(h.head) + 2)
  ELSE f.def END`;

const definitionFrom = `CROSS JOIN LATERAL (SELECT pg_catalog.pg_get_functiondef(p.oid) AS def) f
CROSS JOIN LATERAL (SELECT pg_catalog.substring(f.def, '^(.*?)\\n(?:AS |BEGIN ATOMIC|RETURN )') AS head) h`;

// Not an extension's ('e'), and not one PostgreSQL made for a type ('i': a range's constructors).
const userRoutine = `${userNamespace('n')} AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
     WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype IN ('e', 'i'))`;

/**
 * Functions (window functions included), procedures and aggregates. pg_get_functiondef, not
 * prosrc: a BEGIN ATOMIC body has prosrc = ''. It also carries language, volatility,
 * strictness, parallel safety, leakproof, SECURITY DEFINER and the SET clauses. Aggregates have no
 * functiondef: they are read from pg_aggregate, attribute by attribute.
 */
export const routineQueries: KindQueries = () => [
  {
    kind: 'function',
    sources: ['pg_proc'],
    takesTrackers: false,
    sql: `
SELECT ${path('function')} AS path,
  ${definition} AS definition,
  ${owned}
${from}
${definitionFrom}
WHERE p.prokind IN ('f', 'w') AND ${userRoutine}`,
  },
  {
    kind: 'procedure',
    sources: ['pg_proc'],
    takesTrackers: false,
    sql: `
SELECT ${path('procedure')} AS path,
  ${definition} AS definition,
  ${owned}
${from}
${definitionFrom}
WHERE p.prokind = 'p' AND ${userRoutine}`,
  },
  {
    kind: 'aggregate',
    sources: ['pg_aggregate'],
    takesTrackers: false,
    sql: `
SELECT ${path('aggregate')} AS path,
  pg_catalog.pg_get_function_arguments(p.oid) AS arguments,
  pg_catalog.format_type(p.prorettype, NULL) AS returns,
  CASE g.aggkind WHEN 'n' THEN 'normal' WHEN 'o' THEN 'ordered-set' WHEN 'h' THEN 'hypothetical' END AS "aggregateKind",
  g.aggnumdirectargs AS "directArguments",
  ${functionName('g.aggtransfn')} AS "transition",
  pg_catalog.format_type(g.aggtranstype, NULL) AS "stateType",
  g.aggtransspace AS "stateSpace",
  g.agginitval AS "initialValue",
  ${functionName('g.aggfinalfn')} AS "final",
  g.aggfinalextra AS "finalExtra",
  g.aggfinalmodify::text AS "finalModify",
  ${functionName('g.aggcombinefn')} AS "combine",
  ${functionName('g.aggserialfn')} AS "serial",
  ${functionName('g.aggdeserialfn')} AS "deserial",
  ${functionName('g.aggmtransfn')} AS "movingTransition",
  ${functionName('g.aggminvtransfn')} AS "movingInverse",
  ${functionName('g.aggmfinalfn')} AS "movingFinal",
  g.aggmfinalextra AS "movingFinalExtra",
  g.aggmfinalmodify::text AS "movingFinalModify",
  CASE WHEN g.aggmtranstype <> 0 THEN pg_catalog.format_type(g.aggmtranstype, NULL) END AS "movingStateType",
  g.aggmtransspace AS "movingStateSpace",
  g.aggminitval AS "movingInitialValue",
  CASE WHEN g.aggsortop <> 0 THEN g.aggsortop::pg_catalog.regoperator::text END AS "sortOperator",
  CASE p.proparallel WHEN 's' THEN 'safe' WHEN 'r' THEN 'restricted' WHEN 'u' THEN 'unsafe' END AS parallel,
  ${sortedArray('p.proconfig')} AS config,
  ${owned}
${from}
JOIN pg_catalog.pg_aggregate g ON g.aggfnoid = p.oid
WHERE p.prokind = 'a' AND ${userRoutine}`,
  },
];
