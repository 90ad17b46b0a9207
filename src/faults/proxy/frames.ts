/*
 * Framing of PostgreSQL v3 protocol messages, in both directions. Every message after the first
 * one a client sends is a type byte and a length that counts itself; the client's first messages
 * (StartupMessage, SSLRequest, GSSENCRequest, CancelRequest) have a length and no type byte. The
 * proxy forwards the bytes it was given unchanged: a frame keeps its original bytes.
 */

/** One whole message as it came off the wire. */
export interface Frame {
  /** The type byte as a character; '' for an untyped startup-phase message. */
  type: string;
  /** The message body after the type byte and length. */
  body: Buffer;
  /** The whole message, as it came. */
  bytes: Buffer;
}

/** Protocol version 3.0 and the special request codes a startup-phase message may carry instead. */
export const PROTOCOL_3 = 196608;
export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;

/** A message longer than this is not PostgreSQL speaking: the connection is dropped, not buffered forever. */
const MAX_MESSAGE = 1 << 30;

/**
 * Cuts a byte stream into frames. `untyped` is true while the peer is in the startup phase
 * (only the client's first messages are untyped).
 */
export class FrameReader {
  #pending: Buffer = Buffer.alloc(0);
  untyped: boolean;

  constructor(untyped = false) {
    this.untyped = untyped;
  }

  /** Adds bytes and returns the whole frames they complete; a partial frame waits for more. */
  push(chunk: Buffer): Frame[] {
    const data = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const frames: Frame[] = [];
    let at = 0;
    for (;;) {
      const head = this.untyped ? 4 : 5;
      if (data.length - at < head) break;
      const length = data.readInt32BE(this.untyped ? at : at + 1);
      if (length < 4 || length > MAX_MESSAGE) throw new Error(`not a PostgreSQL message: length ${length}`);
      const total = length + (this.untyped ? 0 : 1);
      if (data.length - at < total) break;
      const bytes = data.subarray(at, at + total);
      frames.push({ type: this.untyped ? '' : String.fromCharCode(bytes[0]!), body: bytes.subarray(head), bytes });
      at += total;
      // Only one untyped message is read at a time: the caller decides whether the next one is typed.
      if (this.untyped) break;
    }
    this.#pending = at === data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(at));
    return frames;
  }

  /** Bytes left after the frames returned (a startup reader hands them to the typed phase). */
  drain(): Buffer {
    const rest = this.#pending;
    this.#pending = Buffer.alloc(0);
    return rest;
  }
}

/** The NUL-terminated string at `at`, and where the next field starts. */
export function cString(body: Buffer, at: number): { text: string; next: number } {
  const end = body.indexOf(0, at);
  const stop = end === -1 ? body.length : end;
  return { text: body.toString('utf8', at, stop), next: stop + 1 };
}

/** A typed message built from its parts. */
export function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
