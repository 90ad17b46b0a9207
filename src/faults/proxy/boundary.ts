/*
 * A boundary is a point where a tool hands the server one statement to run: each simple Query
 * message, and each Execute of the extended flow. Statements inside one Query string are one
 * boundary: the proxy sees what the tool sends, not how the server splits it.
 */

export type BoundaryKind = 'query' | 'execute';

export interface Boundary {
  /** 1-based, in the order the proxy received them over every connection of the run. */
  index: number;
  /** Which client connection sent it (1-based, in order of connection). */
  connection: number;
  kind: BoundaryKind;
  /** The statement text the tool sent: the Query string, or the text of the Parse the Execute's portal was bound from. */
  text: string;
}

/** What the proxy does at one boundary. */
export type Action =
  | { kind: 'forward' }
  /** The statement is not run: the server fails the transaction as the statement's error would, the client sees `sqlstate`. */
  | { kind: 'error'; sqlstate: string }
  /** Both sockets close before the statement is forwarded: connection lost. */
  | { kind: 'terminate' }
  /** The statement runs to its ReadyForQuery, then both sockets close before the client sees any answer. */
  | { kind: 'ack-lost' };

export type FaultKind = Exclude<Action['kind'], 'forward'>;

/** The proxy asks this at every boundary; a promise holds the statement until it settles (check `concurrent`). */
export type Decide = (boundary: Boundary) => Action | Promise<Action>;

export const FORWARD: Action = { kind: 'forward' };

/** Forward everything. */
export const forwardAll: Decide = () => FORWARD;

/** One fault at boundary `k` (1-based); every other statement is forwarded. */
export function faultAt(k: number, action: Action): Decide {
  return (boundary) => (boundary.index === k ? action : FORWARD);
}

/** The action for a fault kind: `error` uses `sqlstate` (default 57014, query_canceled). */
export function faultAction(kind: FaultKind, sqlstate = '57014'): Action {
  return kind === 'error' ? { kind, sqlstate } : { kind };
}

/** Holds the statement at boundary `k` until `release` is called; `reached` settles when it arrives. */
export function holdAt(k: number): { decide: Decide; reached: Promise<Boundary>; release(): void } {
  let arrived!: (b: Boundary) => void;
  let go!: () => void;
  const reached = new Promise<Boundary>((resolve) => (arrived = resolve));
  const released = new Promise<void>((resolve) => (go = resolve));
  return {
    reached,
    release: () => go(),
    decide: (boundary) => {
      if (boundary.index !== k) return FORWARD;
      arrived(boundary);
      return released.then(() => FORWARD);
    },
  };
}
