import { InfrastructureError } from './types.js';

/**
 * Everything migtest makes outside its own memory (server processes, temp folders, databases on a
 * user's server) is registered here, so that it is removed at exit, also on SIGINT, SIGTERM and
 * SIGHUP. What a process killed outright (SIGKILL) leaves is removed by a later run (reap.ts).
 */
export interface Resource {
  /** For messages only. */
  label: string;
  /** Orderly removal. Called again while it runs, it returns the same promise. */
  release(): Promise<void>;
  /** Last-chance removal from a synchronous `exit` handler: no awaiting possible there. */
  releaseSync(): void;
}

/** How long a signal waits for the removal before the process leaves anyway. */
const RELEASE_BOUND_MS = 20_000;

const SIGNAL_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

const resources = new Set<Resource>();
let installed = false;
let signalled: NodeJS.Signals | undefined;
let releasing: Promise<void> | undefined;

/** Registers a resource; it stays registered until its removal has finished, not merely begun. */
export function track(resource: Resource): () => void {
  install();
  resources.add(resource);
  return () => resources.delete(resource);
}

/**
 * Releases every tracked resource, newest first, until none is left (one registered meanwhile
 * too). Callers at the same time share one pass: the signal handler waits for the removal that
 * the end of a run has already begun, rather than finding nothing to do and leaving half-way.
 */
export function releaseAll(): Promise<void> {
  releasing ??= (async () => {
    try {
      while (resources.size > 0) {
        for (const resource of [...resources].reverse()) {
          try {
            await resource.release();
          } catch {
            try {
              resource.releaseSync();
            } catch {
              // Nothing more can be done here; the exit handler has no one to tell.
            }
          }
          resources.delete(resource);
        }
      }
    } finally {
      releasing = undefined;
    }
  })();
  return releasing;
}

/** Whether a signal is stopping the process: errors from work cut short are not worth printing. */
export function interrupted(): boolean {
  return signalled !== undefined;
}

/** The exit code of the signal that is stopping the process (128 + its number), if one is. */
export function signalExitCode(): number | undefined {
  return signalled ? SIGNAL_CODES[signalled] : undefined;
}

/** Thrown where a run would make something new after a signal asked it to stop. */
export class RunStopping extends InfrastructureError {
  constructor(what: string) {
    super(`not ${what}: the run is stopping`);
    this.name = 'RunStopping';
  }
}

/**
 * Refuses to make something new once the process is stopping, so that cases still running fail
 * at once instead of creating databases, folders or containers behind the removal.
 */
export function refuseWhenStopping(what: string): void {
  if (signalled) throw new RunStopping(what);
}

function onSignal(signal: NodeJS.Signals): void {
  // A second signal (an impatient Ctrl-C, a SIGTERM after a SIGHUP) must not cut the removal short.
  if (signalled) return;
  signalled = signal;
  // Work cut short by the cleanup fails in its own ways: a connection that DROP DATABASE … WITH
  // (FORCE) or the server's shutdown ends while idle emits an error no one listens for, and a case
  // refused a new database rejects. The process is leaving with the signal's code; none of that is
  // worth a stack trace or another code.
  process.on('uncaughtException', () => undefined);
  process.on('unhandledRejection', () => undefined);
  const code = SIGNAL_CODES[signal] ?? 1;
  const hardStop = setTimeout(() => process.exit(code), RELEASE_BOUND_MS);
  hardStop.unref();
  void releaseAll().finally(() => process.exit(code));
}

/**
 * Installs the signal handlers now, before anything is made: the command line does, so that every
 * signal ends the process the same way (its code, after the removal), whenever it comes.
 */
export function install(): void {
  if (installed) return;
  installed = true;
  // Not `once`: a second signal while the cleanup runs must not kill the process half-way through it.
  for (const signal of Object.keys(SIGNAL_CODES) as NodeJS.Signals[]) process.on(signal, onSignal);
  process.once('exit', () => {
    for (const resource of [...resources].reverse()) {
      try {
        resource.releaseSync();
      } catch {
        // Best effort at exit.
      }
    }
    resources.clear();
  });
}
