import type pg from 'pg';
import { doBlockOffset } from '../migrations/do-block.js';
import { insertInto, locatePosition, placeAt, placeInSent, type ErrorPlace, type ScriptSource, type SentText } from '../migrations/locate.js';
import type { Script, Statement } from '../migrations/types.js';
import { faultSql } from '../faults/inject.js';
import type { Fault } from '../faults/types.js';
import type { Block, PgError } from './types.js';

/**
 * Where a server error points in the files, for the executor: it knows what was sent, the pure
 * mapping (src/migrations/locate.ts, do-block.ts) knows how that maps back.
 */

/** The text of the query the server rejected, for errors of statements sent one by one. */
const rejectedText = new WeakMap<PgError, string>();

/**
 * Runs `send` and, when it fails, keeps the text of the query the server rejected: the server's
 * position counts characters of that text, and a model may send a statement its own way (a naive
 * piece, the whole file, a renamed database). The client's `query` is wrapped for the call
 * rather than the client replaced, since models keep state keyed by the client object.
 */
export async function sendWatched(
  client: pg.Client,
  statement: Statement,
  send: (client: pg.Client, statement: Statement) => Promise<unknown>,
  toPgError: (error: unknown) => PgError,
): Promise<{ error?: PgError }> {
  const own = Object.hasOwn(client, 'query');
  const original = client.query;
  const texts = new WeakMap<object, string>();
  const watched = function (this: pg.Client, ...args: unknown[]): unknown {
    const config = args[0] as string | { text?: unknown } | undefined;
    const text = typeof config === 'string' ? config : typeof config?.text === 'string' ? config.text : undefined;
    const result = (original as (...a: unknown[]) => unknown).apply(this, args);
    if (text === undefined || !(result instanceof Promise)) return result;
    return result.catch((error: unknown) => {
      if (typeof error === 'object' && error !== null) texts.set(error, text);
      throw error;
    });
  };
  (client as { query: unknown }).query = watched;
  try {
    await send(client, statement);
    return {};
  } catch (error) {
    const pgError = toPgError(error);
    // Only the query whose own error `send` let through: not one it caught and went past.
    const text = typeof error === 'object' && error !== null ? texts.get(error) : undefined;
    if (text !== undefined) rejectedText.set(pgError, text);
    return { error: pgError };
  } finally {
    if (own) (client as { query: unknown }).query = original;
    else delete (client as { query?: unknown }).query;
  }
}

/** What a script block sent: `base` (what `text` is made of), with `fault` injected into it. */
export interface ScriptSent {
  base: SentText;
  text: string;
  sent: string;
  statements: Statement[];
  fault?: Fault;
}

/**
 * The statement a script error's position falls in, and its place in the file; undefined when
 * the error has no position, or it points at what the runner added (the injected fault).
 */
export function locateInScript(error: PgError, script: ScriptSent): { statement: number; place: ErrorPlace } | undefined {
  if (error.position === undefined) return undefined;
  const sent = sentText(script);
  if (!sent) return undefined;
  const located = locatePosition(sent, script.statements, error.position, { text: script.text });
  if (!located) return undefined;
  const { file } = script.statements[located.statement]!;
  return { statement: located.statement, place: { file, ...located.place, via: 'position' } };
}

/**
 * What was sent, as injectIntoScript builds it from `base`. Undefined when that does not give
 * the sent string exactly: a position then cannot be trusted to map back.
 */
function sentText({ base, text, sent, statements, fault }: ScriptSent): SentText | undefined {
  if (base.text !== text) return undefined;
  if (!fault) return sent === text ? base : undefined;
  const next = statements[fault.at];
  const inserted = next ? `${faultSql(fault)};\n` : `\n;\n${faultSql(fault)};\n`;
  const built = insertInto(base, next ? next.offset : text.length, inserted);
  return built.text === sent ? built : undefined;
}

/**
 * Where in its file an error of `statement` points: the server's position in the text that
 * statement was sent as (script blocks place theirs as they count), else the body line that
 * PL/pgSQL names inside a DO block.
 */
export function placeError(block: Block, statement: Statement, error: PgError): ErrorPlace | undefined {
  const source = sourceOf(block, statement);
  const sent = rejectedText.get(error);
  if (error.position !== undefined && sent !== undefined) {
    const place = placeInSent(statement, sent, error.position, source);
    if (place) return { file: statement.file, ...place, via: 'position' };
  }
  if (error.where === undefined) return undefined;
  const offset = doBlockOffset(statement, error);
  if (offset === undefined) return undefined;
  return { file: statement.file, ...placeAt(statement, statement.offset + offset, source), via: 'plpgsql' };
}

/** The script a statement of the block comes from: its text, and the `${VAR}` substitutions in it. */
function sourceOf(block: Block, statement: Statement): ScriptSource {
  const scripts = block.migrations.flatMap((m): Script[] => (m.down ? [m.up, m.down] : [m.up]));
  const script = scripts.find((s) => s.statements.includes(statement)) ?? scripts.find((s) => s.file === statement.file);
  if (!script) return {};
  return { text: script.text, ...(script.substitutions ? { substitutions: script.substitutions } : {}) };
}
