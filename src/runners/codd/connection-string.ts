import { createHash } from 'node:crypto';
import { parse as parseUri } from 'pg-connection-string';
import { InputError } from '../../migrations/types.js';
import type { Located } from './header.js';

/**
 * Where a `-- codd-connection:` sends a migration. Only `database` and `user` are used on the
 * server under test (its host, port and password replace the others); `key` tells connections
 * apart the way codd compares them (all fields), without keeping the password.
 */
export interface CoddConnection {
  database: string;
  /** Empty when the string names no user: the server under test's user is used. */
  user: string;
  key: string;
  /** For messages: `postgres://user@host:port/database`, the password replaced by `****`. */
  display: string;
}

/**
 * A libpq connection string in codd's two accepted forms: a `postgres://` URI (read with
 * pg-connection-string; codd refuses query strings and fragments) or `key=value` pairs (which
 * pg-connection-string does not read, so they are read here with libpq's quoting rules; codd
 * requires host, user and dbname there). Messages never repeat the string: it may hold a password.
 */
export function parseConnection(value: string, file: string, at: Located): CoddConnection {
  const fail = (problem: string): never => {
    throw new InputError(
      `-- codd-connection: ${problem}`,
      file,
      at.line,
      at.column,
      "write a libpq connection string: postgres://user@host:port/database, or 'dbname=database host=localhost user=postgres'",
    );
  };
  let fields: { host: string; port: string; user: string; password: string; database: string };
  if (/^postgres(ql)?:\/\//i.test(value)) {
    if (/[?#]/.test(value.replace(/^[^@]*@/, ''))) {
      fail('codd does not accept parameters (?…) or fragments (#…) in a connection URI');
    }
    let parsed: ReturnType<typeof parseUri>;
    try {
      parsed = parseUri(value);
    } catch {
      return fail('the URI cannot be read');
    }
    if (!parsed.host) fail('the URI names no host (codd: connection string must contain at least user and host)');
    if (!parsed.database) fail('the URI names no database (codd: connection string must contain a database name)');
    fields = {
      host: parsed.host ?? '',
      port: parsed.port || '5432',
      user: parsed.user ?? '',
      password: parsed.password ?? '',
      database: parsed.database ?? '',
    };
  } else {
    const pairs = keywordValues(value) ?? fail('the string is neither a postgres:// URI nor key=value pairs');
    const get = (key: string, required: boolean): string => {
      const found = pairs.filter(([k]) => k === key);
      if (found.length > 1) fail(`the key '${key}' is given twice`);
      if (found.length === 0 && required) fail(`the key '${key}' is missing (codd requires host, user and dbname)`);
      return found[0]?.[1] ?? '';
    };
    fields = {
      host: get('host', true),
      port: get('port', false) || '5432',
      user: get('user', true),
      password: get('password', false),
      database: get('dbname', true),
    };
    if (!/^\d+$/.test(fields.port)) fail("the value of 'port' is not a number");
  }
  const passwordHash = fields.password ? createHash('sha256').update(fields.password).digest('hex').slice(0, 16) : '';
  const key = JSON.stringify([fields.host, fields.port, fields.user, fields.database, passwordHash]);
  const display = `postgres://${fields.user}${fields.password ? ':****' : ''}@${fields.host}:${fields.port}/${fields.database}`;
  return { database: fields.database, user: fields.user, key, display };
}

/** `key=value` pairs separated by spaces; values may be single-quoted; a backslash escapes a character. */
function keywordValues(value: string): [string, string][] | undefined {
  const pairs: [string, string][] = [];
  let i = 0;
  const skipSpaces = (): void => {
    while (i < value.length && /\s/.test(value.charAt(i))) i++;
  };
  skipSpaces();
  while (i < value.length) {
    const key = /^[A-Za-z_][A-Za-z0-9_]*/.exec(value.slice(i))?.[0];
    if (!key) return undefined;
    i += key.length;
    skipSpaces();
    if (value.charAt(i) !== '=') return undefined;
    i++;
    skipSpaces();
    let out = '';
    if (value.charAt(i) === "'") {
      i++;
      while (i < value.length && value.charAt(i) !== "'") {
        if (value.charAt(i) === '\\') i++;
        out += value.charAt(i);
        i++;
      }
      if (value.charAt(i) !== "'") return undefined;
      i++;
    } else {
      while (i < value.length && !/\s/.test(value.charAt(i))) {
        if (value.charAt(i) === '\\') i++;
        out += value.charAt(i);
        i++;
      }
    }
    pairs.push([key, out]);
    skipSpaces();
  }
  return pairs.length > 0 ? pairs : undefined;
}
