import { serialize } from 'pg-protocol';
import { Parser } from 'pg-protocol/dist/parser.js';
import type { BackendMessage, DatabaseError } from 'pg-protocol/dist/messages.js';
import { cString, message, type Frame } from './frames.js';

/*
 * The few client messages whose content the proxy reads (to count and name boundaries), and the
 * few it writes in place of a statement at a fault. Server messages are decoded with pg-protocol.
 */

/** The text of a simple Query message. */
export function queryText(frame: Frame): string {
  return cString(frame.body, 0).text;
}

/** Parse: the prepared statement's name ('' for the unnamed one) and its text. */
export function parseMessage(frame: Frame): { statement: string; text: string } {
  const name = cString(frame.body, 0);
  return { statement: name.text, text: cString(frame.body, name.next).text };
}

/** Bind: the portal made and the prepared statement it binds. */
export function bindMessage(frame: Frame): { portal: string; statement: string } {
  const portal = cString(frame.body, 0);
  return { portal: portal.text, statement: cString(frame.body, portal.next).text };
}

/** Execute: the portal run. */
export function executePortal(frame: Frame): string {
  return cString(frame.body, 0).text;
}

/** Close: what is closed, a prepared statement ('S') or a portal ('P'), and its name. */
export function closeMessage(frame: Frame): { what: string; name: string } {
  return { what: String.fromCharCode(frame.body[0] ?? 0), name: cString(frame.body, 1).text };
}

/**
 * A simple Query that fails on the server with `sqlstate`: the server aborts the transaction (or
 * the implicit one) exactly as for the statement's own error, and answers ErrorResponse and
 * ReadyForQuery with the true transaction status.
 */
export function failingQuery(sqlstate: string, text: string): Buffer {
  const quoted = text.replace(/'/g, "''");
  return serialize.query(`DO $migtest$BEGIN RAISE EXCEPTION USING ERRCODE = '${sqlstate}', MESSAGE = '${quoted}'; END$migtest$`);
}

/**
 * An Execute of a portal that does not exist: in the extended flow the server fails it (34000),
 * aborts the transaction and skips to Sync as for any error of the statement. The proxy shows
 * the client its own ErrorResponse in place of the server's.
 */
export function failingExecute(portal: string): Buffer {
  return serialize.execute({ portal, rows: 0 });
}

/** An ErrorResponse with severity ERROR. */
export function errorResponse(sqlstate: string, text: string): Buffer {
  const field = (code: string, value: string): Buffer => Buffer.concat([Buffer.from(code, 'latin1'), Buffer.from(value, 'utf8'), Buffer.alloc(1)]);
  return message('E', Buffer.concat([field('S', 'ERROR'), field('V', 'ERROR'), field('C', sqlstate), field('M', text), Buffer.alloc(1)]));
}

const parser = new Parser();

/** A server message decoded by pg-protocol (the frame is whole, so the parser answers at once). */
export function backendMessage(frame: Frame): BackendMessage | undefined {
  let decoded: BackendMessage | undefined;
  parser.parse(frame.bytes, (msg) => (decoded = msg));
  return decoded;
}

/** The SQLSTATE and message of a server ErrorResponse. */
export function serverError(frame: Frame): { sqlstate: string; message: string } | undefined {
  const decoded = backendMessage(frame) as DatabaseError | undefined;
  if (!decoded || decoded.name !== 'error') return undefined;
  return { sqlstate: decoded.code ?? '', message: decoded.message };
}
