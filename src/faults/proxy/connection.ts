import net from 'node:net';
import { CANCEL_REQUEST, FrameReader, GSSENC_REQUEST, SSL_REQUEST, type Frame } from './frames.js';
import { bindMessage, closeMessage, errorResponse, executePortal, failingExecute, failingQuery, parseMessage, queryText, serverError } from './messages.js';
import type { Action, Boundary, BoundaryKind } from './boundary.js';

/** Where the case database listens: TCP, or a Unix socket folder. */
export interface Target {
  host: string;
  port: number;
}

/** What a connection pair asks of its proxy. */
export interface PairHost {
  target: Target;
  /** Counts and records a boundary, and says what to do at it. */
  boundary(connection: number, kind: BoundaryKind, text: string): { boundary: Boundary; action: Action | Promise<Action> };
  /** The server answered a statement of this connection with an error (an injected one too). */
  serverError(connection: number, error: { sqlstate: string; message: string; injected: boolean; completed: number }): void;
  /** The pair has closed both its sockets. */
  closed(pair: ConnectionPair): void;
}

export const INJECTED_MESSAGE = 'migtest: injected fault';

function connectTo(target: Target): net.Socket {
  // libpq's convention: a host that is a path names the folder of the server's Unix socket.
  const socket = target.host.startsWith('/') ? net.connect({ path: `${target.host}/.s.PGSQL.${target.port}` }) : net.connect({ host: target.host, port: target.port });
  socket.setNoDelay(true);
  return socket;
}

/**
 * One client connection and the server connection the proxy opened for it. Client messages are
 * handled in order (a held statement holds the ones after it); server messages pass through as
 * they come, except around a fault.
 */
export class ConnectionPair {
  readonly #client: net.Socket;
  #server: net.Socket | undefined;
  readonly #fromClient = new FrameReader(true);
  readonly #fromServer = new FrameReader(false);
  /** Client chunks wait here while an earlier one is held at a boundary. */
  #queue: Promise<void> = Promise.resolve();
  readonly #statements = new Map<string, string>();
  readonly #portals = new Map<string, string>();
  /** The transaction status of the last ReadyForQuery: 'I', 'T' or 'E'. */
  status = 'I';
  /** After an ack-lost fault: the server's answers are dropped, and its next ReadyForQuery ends the pair. */
  #losing = false;
  /** After an error fault on an Execute: the server's error for the missing portal is shown as this one. */
  #rewrite: { portal: string; sqlstate: string } | undefined;
  #closed = false;
  /** Statements of the current Query string the server has completed (CommandComplete): which one an error stopped. */
  #completed = 0;

  constructor(
    client: net.Socket,
    readonly id: number,
    private readonly host: PairHost,
  ) {
    this.#client = client;
    client.setNoDelay(true);
    client.on('data', (chunk: Buffer) => {
      const frames = this.read(this.#fromClient, chunk, client);
      if (frames.length === 0) return;
      this.#queue = this.#queue.then(() => this.fromClient(frames)).catch(() => this.close());
    });
    client.on('error', () => this.close());
    // A client that leaves (after its Terminate message) is let go once what it sent is passed on.
    client.on('end', () => void this.#queue.then(() => this.close(true)));
    client.on('close', () => void this.#queue.then(() => this.close(true)));
  }

  private read(reader: FrameReader, chunk: Buffer, from: net.Socket): Frame[] {
    try {
      return reader.push(chunk);
    } catch {
      from.destroy();
      return [];
    }
  }

  private async fromClient(frames: Frame[]): Promise<void> {
    let out: Buffer[] = [];
    const flush = (): void => {
      if (out.length > 0 && this.#server && !this.#closed) this.#server.write(out.length === 1 ? out[0]! : Buffer.concat(out));
      out = [];
    };
    for (const frame of frames) {
      if (this.#closed) return;
      if (frame.type === '') {
        this.startup(frame);
        continue;
      }
      const kind = this.track(frame);
      if (!kind) {
        out.push(frame.bytes);
        continue;
      }
      const text = kind === 'query' ? queryText(frame) : (this.#portals.get(executePortal(frame)) ?? '');
      const { action } = this.host.boundary(this.id, kind, text);
      this.#completed = 0;
      const decided = action instanceof Promise ? (flush(), await action) : action;
      if (this.#closed) return;
      switch (decided.kind) {
        case 'forward':
          out.push(frame.bytes);
          break;
        case 'error':
          if (kind === 'query') {
            out.push(failingQuery(decided.sqlstate, INJECTED_MESSAGE));
          } else {
            const portal = `migtest fault ${this.id}:${Math.random().toString(36).slice(2)}`;
            this.#rewrite = { portal, sqlstate: decided.sqlstate };
            out.push(failingExecute(portal));
          }
          break;
        case 'terminate':
          out = [];
          this.close();
          return;
        case 'ack-lost':
          out.push(frame.bytes);
          this.#losing = true;
          break;
      }
    }
    flush();
  }

  /** Remembers what Parse, Bind and Close name, and says whether the message is a boundary. */
  private track(frame: Frame): BoundaryKind | undefined {
    switch (frame.type) {
      case 'Q':
        return 'query';
      case 'E':
        return 'execute';
      case 'P': {
        const { statement, text } = parseMessage(frame);
        this.#statements.set(statement, text);
        return undefined;
      }
      case 'B': {
        const { portal, statement } = bindMessage(frame);
        this.#portals.set(portal, this.#statements.get(statement) ?? '');
        return undefined;
      }
      case 'C': {
        const { what, name } = closeMessage(frame);
        (what === 'S' ? this.#statements : this.#portals).delete(name);
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /** A startup-phase message: encryption refused, a cancel passed on, the startup forwarded. */
  private startup(frame: Frame): void {
    const code = frame.body.length >= 4 ? frame.body.readInt32BE(0) : 0;
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      this.#client.write('N');
      return;
    }
    if (code === CANCEL_REQUEST) {
      // A cancel names the backend by its key: the server it goes to is the same one.
      const side = connectTo(this.host.target);
      side.on('error', () => undefined);
      side.end(frame.bytes);
      this.close();
      return;
    }
    // StartupMessage (or a version the server refuses itself): from here on every message is typed.
    this.#fromClient.untyped = false;
    const server = connectTo(this.host.target);
    this.#server = server;
    server.on('data', (chunk: Buffer) => this.fromServer(this.read(this.#fromServer, chunk, server)));
    server.on('error', () => this.close());
    server.on('end', () => this.close(true));
    server.on('close', () => this.close(true));
    server.write(frame.bytes);
    // The client may have sent more right behind the startup (a pipelining client does not, but bytes are bytes).
    const rest = this.#fromClient.push(Buffer.alloc(0));
    if (rest.length > 0) this.#queue = this.#queue.then(() => this.fromClient(rest));
  }

  private fromServer(frames: Frame[]): void {
    if (frames.length === 0 || this.#closed) return;
    if (!this.#losing && !this.#rewrite) {
      const last = this.watch(frames);
      if (last) this.status = last;
      this.#client.write(frames.length === 1 ? frames[0]!.bytes : Buffer.concat(frames.map((f) => f.bytes)));
      return;
    }
    const out: Buffer[] = [];
    for (const frame of frames) {
      if (frame.type === 'Z') this.status = String.fromCharCode(frame.body[0]!);
      if (this.#losing) {
        if (frame.type === 'Z') {
          // The statement has finished on the server (and committed, outside a block): its answer is lost with the connection.
          this.close();
          return;
        }
        continue;
      }
      if (this.#rewrite && frame.type === 'E') {
        const error = serverError(frame);
        if (error && error.sqlstate === '34000' && error.message.includes(this.#rewrite.portal)) {
          this.host.serverError(this.id, { sqlstate: this.#rewrite.sqlstate, message: INJECTED_MESSAGE, injected: true, completed: this.#completed });
          out.push(errorResponse(this.#rewrite.sqlstate, INJECTED_MESSAGE));
          continue;
        }
      }
      if (frame.type === 'E') this.reportError(frame);
      else if (frame.type === 'C') this.#completed++;
      if (frame.type === 'Z') this.#rewrite = undefined;
      out.push(frame.bytes);
    }
    if (out.length > 0) this.#client.write(Buffer.concat(out));
  }

  /** Reports the server's errors, and returns the transaction status of the last ReadyForQuery among `frames`, if any. */
  private watch(frames: Frame[]): string | undefined {
    let status: string | undefined;
    for (const frame of frames) {
      if (frame.type === 'Z') status = String.fromCharCode(frame.body[0]!);
      else if (frame.type === 'E') this.reportError(frame);
      else if (frame.type === 'C') this.#completed++;
    }
    return status;
  }

  private reportError(frame: Frame): void {
    const error = serverError(frame);
    if (error) this.host.serverError(this.id, { ...error, injected: error.message === INJECTED_MESSAGE, completed: this.#completed });
  }

  /**
   * Closes both sockets (once): `gracefully` when one side left on its own (what was written is
   * still delivered), else at once, as a lost connection.
   */
  close(gracefully = false): void {
    if (this.#closed) return;
    this.#closed = true;
    if (gracefully) {
      this.#client.end();
      this.#server?.end();
    } else {
      this.#client.destroy();
      this.#server?.destroy();
    }
    this.host.closed(this);
  }
}


