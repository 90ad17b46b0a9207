import type { Problem, Rule } from '../../lint/types.js';
import type { Migration } from '../../migrations/types.js';

/** The directive lint's loader puts on a migration whose markers cigogne would miss: `line:column:kind:text`. */
export const MISSED_MARKERS = 'cigogne-missed-markers';

/**
 * cigogne-marker — a section marker written otherwise than cigogne reads it: `-- migration:up`
 * (two dashes, as some notes about cigogne write it), `---migration:up`.
 *
 * cigogne's parser looks for the text `--- migration:up` (then `--- migration:down`, `---
 * migration:end`) and refuses a file without it (`MissingUpGuard`); one refused file stops every
 * command, so none of the set's migrations runs. migtest's loader refuses such a set for `check`
 * (exit 2, at the marker); `migtest lint` reports each marker here, and lints the file as if it
 * were written as cigogne reads it.
 */
export const cigogneMarker: Rule = {
  id: 'cigogne-marker',
  category: 'runner',
  summary: 'cigogne section marker cigogne does not find (-- migration:up with two dashes): it refuses the file',
  squawk: 'none',
  atlas: 'none',
  migration(migration: Migration, context): Problem[] {
    const missed = migration.directives[MISSED_MARKERS];
    if (!Array.isArray(missed)) return [];
    return missed.flatMap((entry) => {
      const match = /^(\d+):(\d+):(up|down|end):(.*)$/s.exec(entry);
      if (!match) return [];
      const [, line, column, kind, text] = match;
      const how = /^--(?!-)/.test(text!) ? 'has two dashes' : 'is not spaced as cigogne reads it';
      return [
        {
          at: { file: migration.file, line: Number(line), column: Number(column), text },
          message:
            `"${text}" ${how}: cigogne looks for the text "--- migration:${kind}" (three dashes, one space), finds no migration:${kind} marker ` +
            `in the file and refuses it (Missing${kind![0]!.toUpperCase()}${kind!.slice(1)}Guard), so no migration of the set runs`,
          hint: `write the marker with three dashes and one space: "--- migration:${kind}"${text!.replace(/^-+[ \t]*migration:\S+/, '')}`,
        },
      ];
    });
  },
};
