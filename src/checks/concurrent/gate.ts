import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import type { DatabaseHandle } from '../../postgres/types.js';

/*
 * Every message a replica sends waits at a gate until the scheduler lets it through, whatever
 * sends it (the model's statements, its tracker writes, BEGIN and COMMIT) and however the model
 * connects (DatabaseHandle.connect, or clients of its own built from the handle's settings). The
 * gate is node-postgres's query itself, while check `concurrent` runs, and it holds back only the
 * queries made inside a replica's run (AsyncLocalStorage): the check's own sessions, and anything
 * else in the process, pass as before. The models stay untouched, so the check works for any model.
 */

/** Where a replica is between two decisions of the scheduler. */
export type Phase =
  /** Its own code runs between two messages (reads a result, connects): it will soon send or end. */
  | 'busy'
  /** A message waits at the gate to be sent. */
  | 'ready'
  /** A message is with the server: running, waiting on a lock, or held at its commit. */
  | 'sent'
  /** Its run ended (passed or failed). */
  | 'done';

export class Replica {
  phase: Phase = 'busy';
  /** Backend of the connection whose message waits or runs. */
  pid: number | undefined;
  /** The first line of the message that waits or runs. */
  message = '';
  /** Messages the gate let through. */
  sent = 0;
  /** Whether the scheduler still decides: once it is done, a late message (a connection closed after the run) goes through. */
  open = true;
  #release: (() => void) | undefined;

  constructor(
    readonly index: number,
    private readonly changed: () => void,
  ) {}

  set(phase: Phase): void {
    this.phase = phase;
    this.changed();
  }

  /** Waits until the scheduler sends this message (`release`). */
  wait(pid: number | undefined, message: string): Promise<void> {
    if (!this.open) return Promise.resolve();
    this.pid = pid;
    this.message = message;
    return new Promise((resolve) => {
      this.#release = resolve;
      this.set('ready');
    });
  }

  release(): void {
    const go = this.#release;
    this.#release = undefined;
    this.sent++;
    this.set('sent');
    go?.();
  }
}

/** Whether a query argument is a submittable (a COPY stream, a cursor): it goes through untouched. */
function submittable(arg: unknown): boolean {
  return typeof arg === 'object' && arg !== null && typeof (arg as { submit?: unknown }).submit === 'function';
}

function textOf(arg: unknown): string {
  const text = typeof arg === 'string' ? arg : ((arg as { text?: string } | null)?.text ?? '');
  // The first line that is not a comment: a file sent as one string often opens with one.
  const lines = text.trim().split('\n');
  const first = lines.find((line) => line.trim() !== '' && !line.trim().startsWith('--')) ?? lines[0]!;
  return first.trim().slice(0, 120);
}

/** Sends one statement on a connection past the gate (a replica's session settings). */
export type Send = (sql: string) => Promise<unknown>;

interface Gate {
  replica: Replica;
  /** Runs once on each connection of the replica, before its first message. */
  setup(send: Send): Promise<void>;
  prepared: WeakSet<pg.Client>;
}

const inReplica = new AsyncLocalStorage<Gate>();
type Query = (this: pg.Client, ...args: unknown[]) => unknown;
const prototype = pg.Client.prototype as unknown as { query: Query; connect: Query };
let installed = 0;
let plain: Query | undefined;
let plainConnect: Query | undefined;

/**
 * A replica's session settings go on each connection as it is made or handed out, never before a
 * message: a model that counts the server's CommandComplete messages during a query (to name the
 * statement that failed in a string) must see only its own.
 */
async function prepare(gate: Gate, client: pg.Client): Promise<void> {
  if (gate.prepared.has(client)) return;
  gate.prepared.add(client);
  await gate.setup((sql) => plain!.call(client, sql) as Promise<unknown>);
}

function gatedConnect(this: pg.Client, ...args: unknown[]): unknown {
  const gate = inReplica.getStore();
  const connected = plainConnect!.apply(this, args);
  if (!gate || args.length > 0 || !(connected instanceof Promise)) return connected;
  return connected.then(async (value: unknown) => {
    await prepare(gate, this);
    return value;
  });
}

function gatedQuery(this: pg.Client, ...args: unknown[]): unknown {
  const gate = inReplica.getStore();
  const query = plain!;
  if (!gate || !gate.replica.open || submittable(args[0]) || typeof args[args.length - 1] === 'function') return query.apply(this, args);
  return (async () => {
    await gate.replica.wait((this as unknown as { processID?: number }).processID, textOf(args[0]));
    try {
      return await (query.apply(this, args) as Promise<unknown>);
    } finally {
      gate.replica.set('busy');
    }
  })();
}

/** Puts the gate in place for as long as a check runs; the function it returns takes it away. */
export function installGate(): () => void {
  if (installed++ === 0) {
    plain = prototype.query;
    plainConnect = prototype.connect;
    prototype.query = gatedQuery;
    prototype.connect = gatedConnect;
  }
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    if (--installed === 0) {
      prototype.query = plain!;
      prototype.connect = plainConnect!;
    }
  };
}

/**
 * Runs `work` as replica `replica` on `db`: every query it makes, on any connection, waits at the
 * replica's gate; `work` gets `db` with its connections prepared (a connection handed out already
 * made, from a pool, is prepared as it is handed out; one the model makes itself, as it connects).
 */
export function asReplica<T>(replica: Replica, setup: (send: Send) => Promise<void>, db: DatabaseHandle, work: (db: DatabaseHandle) => Promise<T>): Promise<T> {
  if (installed === 0) throw new Error('the gate of check concurrent is not installed');
  const gate: Gate = { replica, setup, prepared: new WeakSet() };
  const prepared: DatabaseHandle = {
    name: db.name,
    config: db.config,
    connect: async () => {
      const client = await db.connect();
      await prepare(gate, client);
      return client;
    },
  };
  return inReplica.run(gate, () => work(prepared));
}
