import type { ToolLint } from '../tool.js';
import { cigogneCommentSplit } from './cigogne-comment-split.js';
import { cigogneDisableTransaction } from './cigogne-disable-transaction.js';
import { cigogneMarker, MISSED_MARKERS } from './cigogne-marker.js';
import { MISSED_MARKER, withExactMarkers } from './format.js';

const again = 'the migration is not recorded, and the next run applies it again';

/** The parser's refusal of a disable_transaction migration with several statements. */
const SEVERAL_STATEMENTS = /^a disable_transaction migration must be exactly one statement/;

export const lint: ToolLint = {
  words: {
    wrap: 'the one transaction in which cigogne runs every pending transactional migration',
    unit: 'migration',
    alone: 'give it a migration of its own marked `--- migration:up disable_transaction`',
    again,
    noTxnRerun: `this disable_transaction migration runs outside a transaction and is recorded afterwards, separately: if the process dies in between, ${again}`,
  },
  rules: [cigogneMarker, cigogneCommentSplit, cigogneDisableTransaction],
  tolerated: [
    {
      // cigogne-marker reports each marker cigogne would miss; lint reads the file as if it were exact.
      is: (error) => MISSED_MARKER.test(error.message),
      neutralise: (text) => withExactMarkers(text).text,
      restore: (migration, original) => {
        migration.directives[MISSED_MARKERS] = withExactMarkers(original).missed.map((m) => `${m.line}:${m.column}:${m.kind}:${m.text}`);
      },
    },
    {
      // cigogne-disable-transaction reports it from the directive, which lint puts back.
      is: (error) => SEVERAL_STATEMENTS.test(error.message),
      neutralise: (text) =>
        text.replace(/^(\s*-{3,} migration:up\b.*?)\bdisable_transaction\b/m, (_, before: string) => before + ' '.repeat('disable_transaction'.length)),
      restore: (migration) => {
        migration.directives.disable_transaction = true;
      },
    },
  ],
};
