import net from 'node:net';
import { ConnectionPair, type PairHost, type Target } from './connection.js';
import { forwardAll, type Action, type Boundary, type BoundaryKind, type Decide } from './boundary.js';

/*
 * A PostgreSQL wire proxy in front of one case database: the tool under test connects to it as
 * it would to the server, and the proxy counts the statements it sends and injects a fault at
 * the boundary a check chooses. Everything else passes unchanged, authentication included.
 */

/** An ErrorResponse the server sent, with the statement it answered when there was one. */
export interface ServerError {
  sqlstate: string;
  message: string;
  /** The proxy's own fault, not the statement's error. */
  injected: boolean;
  /** Statements of the boundary's Query string that completed before the error: the error is in the next one. */
  completed: number;
  boundary?: Boundary;
}

export interface ProxyOptions {
  target: Target;
  /** What to do at each boundary; default: forward everything. Can be changed between runs. */
  decide?: Decide;
}

export class WireProxy {
  readonly #server: net.Server;
  readonly #pairs = new Set<ConnectionPair>();
  #connections = 0;
  /** The last boundary of each connection: the statement a server error answers. */
  readonly #last = new Map<number, Boundary>();
  /** Every boundary seen since the last `reset`, in order. */
  boundaries: Boundary[] = [];
  /** The server's errors since the last `reset`, each with the last boundary its connection sent. */
  errors: ServerError[] = [];
  /** The fault actions taken since the last `reset`, with their boundary. */
  faults: { boundary: Boundary; action: Action }[] = [];
  decide: Decide;
  readonly target: Target;

  private constructor(options: ProxyOptions) {
    this.target = options.target;
    this.decide = options.decide ?? forwardAll;
    const host: PairHost = {
      target: this.target,
      boundary: (connection, kind, text) => this.boundary(connection, kind, text),
      serverError: (connection, error) => {
        const boundary = this.#last.get(connection);
        this.errors.push({ ...error, ...(boundary ? { boundary } : {}) });
      },
      closed: (pair) => this.#pairs.delete(pair),
    };
    this.#server = net.createServer((socket) => {
      this.#pairs.add(new ConnectionPair(socket, ++this.#connections, host));
    });
  }

  /** A proxy listening on 127.0.0.1 on a port of its own. */
  static async start(options: ProxyOptions): Promise<WireProxy> {
    const proxy = new WireProxy(options);
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  get host(): string {
    return '127.0.0.1';
  }

  /** Open client connections. */
  get open(): number {
    return this.#pairs.size;
  }

  /** Starts a new run: counting from 1 again, with `decide` for its boundaries. */
  reset(decide: Decide = forwardAll): void {
    this.boundaries = [];
    this.#last.clear();
    this.errors = [];
    this.faults = [];
    this.decide = decide;
  }

  private boundary(connection: number, kind: BoundaryKind, text: string): { boundary: Boundary; action: Action | Promise<Action> } {
    const boundary: Boundary = { index: this.boundaries.length + 1, connection, kind, text };
    this.boundaries.push(boundary);
    this.#last.set(connection, boundary);
    const action = this.decide(boundary);
    const record = (a: Action): Action => {
      if (a.kind !== 'forward') this.faults.push({ boundary, action: a });
      return a;
    };
    return { boundary, action: action instanceof Promise ? action.then(record) : record(action) };
  }

  /** Drops every open connection (a tool killed at its timeout leaves none behind). */
  dropConnections(): void {
    for (const pair of [...this.#pairs]) pair.close();
  }

  async stop(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
