import type pg from 'pg';
import type { DatabaseHandle, Login } from '../../postgres/types.js';

/*
 * Every message a replica sends waits at a gate until the scheduler lets it through: a database
 * handle whose connections hold each query back, whatever model sends it (its statements, its
 * tracker writes, its BEGIN and COMMIT). Wrapping the connection rather than the model keeps the
 * models untouched and covers every way a model sends text, so the check works for any model.
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
  return text.trim().split('\n')[0]!.slice(0, 120);
}

/**
 * `db` as replica `replica` reaches it: every query of every connection waits at the gate.
 * `setup` runs on each new connection before any message of the replica (session settings of the
 * check itself, not gated). The connection is given back as it was: a pooled connection must not
 * keep the gate.
 */
export function gated(db: DatabaseHandle, replica: Replica, setup: (client: pg.Client) => Promise<void>): DatabaseHandle {
  return {
    name: db.name,
    config: db.config,
    ...(db.as ? { as: (login: Login) => gated(db.as!(login), replica, setup) } : {}),
    async connect(): Promise<pg.Client> {
      const client = await db.connect();
      await setup(client);
      const own = Object.prototype.hasOwnProperty.call(client, 'query');
      const query = client.query;
      const end = client.end;
      const pid = (client as unknown as { processID?: number }).processID;
      const wrapped = function (this: pg.Client, ...args: unknown[]): unknown {
        if (submittable(args[0]) || typeof args[args.length - 1] === 'function') return (query as (...a: unknown[]) => unknown).apply(client, args);
        return (async () => {
          await replica.wait(pid, textOf(args[0]));
          try {
            return await (query as (...a: unknown[]) => Promise<unknown>).apply(client, args);
          } finally {
            replica.set('busy');
          }
        })();
      };
      (client as unknown as { query: unknown }).query = wrapped;
      (client as unknown as { end: unknown }).end = function (...args: unknown[]): unknown {
        if (own) (client as unknown as { query: unknown }).query = query;
        else delete (client as unknown as { query?: unknown }).query;
        (client as unknown as { end: unknown }).end = end;
        return (end as (...a: unknown[]) => unknown).apply(client, args);
      };
      return client;
    },
  };
}
