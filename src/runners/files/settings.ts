import { InputError, type Migration, type MigrationSet } from '../../migrations/types.js';
import type { RunnerOptions } from '../types.js';

/*
 * The runner options of the files model, read once per plan: what shape of home-grown boot runner
 * the set is applied by. Pure: planning and lint read the same settings.
 */

export const OPTIONS: Record<string, string> = {
  tracker:
    '<table>|<schema.table>|none: the table the runner records applied files in, created as CREATE TABLE IF NOT EXISTS <table>(version text primary key, applied_at timestamptz default now()); a bare name is in public; none: every file at every start; default schema_migrations',
  key: 'filename|version: what the tracker row holds, the full file name or its leading number; default filename',
  record:
    'after-file|with-file: the row inserted after the file, in an implicit transaction of its own (a crash in between runs the file again), or in the same transaction as the file; default after-file',
  transaction: 'none|per-file: the file sent as one string on its own (one implicit transaction), or between BEGIN and COMMIT; default none (per-file with record=with-file)',
  lock: 'advisory|none: pg_advisory_lock(lock-key) held on the runner\'s connection for the whole run; default none',
  'lock-key': '<bigint>: the advisory lock\'s key; default 0 (needs lock=advisory)',
};

export interface Tracker {
  schema: string;
  table: string;
}

export interface Settings {
  /** null: no tracker, every file runs at every start. */
  tracker: Tracker | null;
  key: 'filename' | 'version';
  record: 'after-file' | 'with-file';
  transaction: 'none' | 'per-file';
  /** The advisory lock's key, or null without a lock. */
  lock: bigint | null;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
const MIN_BIGINT = -(2n ** 63n);
const MAX_BIGINT = 2n ** 63n - 1n;

function bad(message: string, fix: string, file?: string): InputError {
  return new InputError(message, file, undefined, undefined, fix);
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw bad(`runner option ${name}=${value} is not one of ${allowed.join(', ')}`, `write ${allowed.map((a) => `${name}=${a}`).join(' or ')}`);
}

function trackerOf(value: string | undefined): Tracker | null {
  if (value === undefined) return { schema: 'public', table: 'schema_migrations' };
  if (value === 'none') return null;
  const parts = value.split('.');
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw bad(
      `runner option tracker=${value} is not a table name`,
      'write tracker=<table> (in public), tracker=<schema>.<table> or tracker=none, with unquoted names of letters, digits and _',
    );
  }
  // Unquoted names, as a service's SQL writes them: PostgreSQL folds them to lower case.
  const [schema, table] = parts.length === 2 ? [parts[0]!, parts[1]!] : ['public', parts[0]!];
  return { schema: schema.toLowerCase(), table: table.toLowerCase() };
}

function lockKeyOf(value: string | undefined): bigint {
  if (value === undefined) return 0n;
  const key = /^-?[0-9]{1,19}$/.test(value) ? BigInt(value) : undefined;
  if (key === undefined || key < MIN_BIGINT || key > MAX_BIGINT) {
    throw bad(`runner option lock-key=${value} is not a bigint`, `write lock-key=<integer from ${MIN_BIGINT} to ${MAX_BIGINT}>, the key the service passes to pg_advisory_lock`);
  }
  return key;
}

/** The settings the options give; an unknown option, a bad value or a combination that means nothing is refused. */
export function settingsOf(options: RunnerOptions = {}): Settings {
  for (const name of Object.keys(options)) {
    if (!Object.hasOwn(OPTIONS, name)) {
      throw bad(`unknown runner option '${name}' for the files runner model`, `the files runner model accepts: ${Object.keys(OPTIONS).join(', ')}`);
    }
  }
  const tracker = trackerOf(options['tracker']);
  const key = oneOf('key', options['key'], ['filename', 'version'] as const, 'filename');
  const record = oneOf('record', options['record'], ['after-file', 'with-file'] as const, 'after-file');
  const lock = oneOf('lock', options['lock'], ['advisory', 'none'] as const, 'none');
  const given = options['transaction'];
  const transaction = oneOf('transaction', given, ['none', 'per-file'] as const, record === 'with-file' ? 'per-file' : 'none');
  if (!tracker) {
    for (const name of ['key', 'record'] as const) {
      if (options[name] !== undefined) throw bad(`runner option ${name}=${options[name]} needs a tracker, and tracker=none has none`, `drop ${name}=…, or name the tracker table (tracker=schema_migrations)`);
    }
  }
  if (record === 'with-file' && given === 'none') {
    throw bad(
      'runner options record=with-file and transaction=none contradict each other: a row written in the same transaction as the file needs a transaction around both',
      'drop transaction=none (record=with-file runs each file and its row between BEGIN and COMMIT), or write record=after-file if the service inserts the row on its own',
    );
  }
  if (options['lock-key'] !== undefined && lock !== 'advisory') {
    throw bad(`runner option lock-key=${options['lock-key']} needs lock=advisory`, 'add lock=advisory, or drop lock-key');
  }
  return { tracker, key, record, transaction, lock: lock === 'advisory' ? lockKeyOf(options['lock-key']) : null };
}

/** The leading number of a file name, as a key=version runner cuts it. */
function leadingNumber(name: string): string | undefined {
  return /^([0-9]+)/.exec(name)?.[1];
}

/** The tracker row of each migration; a file without one, or two files with one key, is refused. */
export function keysOf(set: MigrationSet, settings: Settings): Map<Migration, string> {
  const keys = new Map<Migration, string>();
  if (!settings.tracker) return keys;
  const owner = new Map<string, Migration>();
  for (const migration of set.migrations) {
    const key = settings.key === 'filename' ? migration.name : leadingNumber(migration.name);
    if (key === undefined) {
      throw bad(
        `${migration.name} has no leading number, and key=version records each file by its leading number`,
        'rename the file with a leading number (e.g. 000004_add_invoices.up.sql), or use key=filename',
        migration.file,
      );
    }
    const other = owner.get(key);
    if (other) {
      throw bad(
        `${migration.name} and ${other.name} have the same key '${key}': the runner records the first and then skips the second (or fails on the tracker's primary key)`,
        settings.key === 'version' ? 'give each file its own leading number, or use key=filename' : 'give each file its own name',
        migration.file,
      );
    }
    owner.set(key, migration);
    keys.set(migration, key);
  }
  return keys;
}

/** The tracker as SQL writes it: quoted, qualified. */
export function qualified(tracker: Tracker): string {
  return `"${tracker.schema}"."${tracker.table}"`;
}
