/**
 * Everything migtest makes outside its own memory (server processes, temp folders, databases on a
 * user's server) is registered here, so that it is removed at exit, also on SIGINT and SIGTERM.
 */
export interface Resource {
  /** For messages only. */
  label: string;
  /** Orderly removal. */
  release(): Promise<void>;
  /** Last-chance removal from a synchronous `exit` handler: no awaiting possible there. */
  releaseSync(): void;
}

const resources = new Set<Resource>();
let installed = false;
let exiting = false;

export function track(resource: Resource): () => void {
  install();
  resources.add(resource);
  return () => resources.delete(resource);
}

/** Releases every tracked resource, newest first. */
export async function releaseAll(): Promise<void> {
  for (const resource of [...resources].reverse()) {
    resources.delete(resource);
    try {
      await resource.release();
    } catch {
      try {
        resource.releaseSync();
      } catch {
        // Nothing more can be done here; the exit handler has no one to tell.
      }
    }
  }
}

/** Whether a signal is stopping the process: errors from work cut short are not worth printing. */
export function interrupted(): boolean {
  return exiting;
}

function onSignal(signal: NodeJS.Signals): void {
  if (exiting) return;
  exiting = true;
  // Work cut short by the cleanup fails in its own ways: a connection that DROP DATABASE … WITH
  // (FORCE) or the server's shutdown ends while idle emits an error no one listens for. The
  // process is leaving with the signal's code; none of that is worth a stack trace or another code.
  process.on('uncaughtException', () => undefined);
  const code = signal === 'SIGINT' ? 130 : 143;
  const hardStop = setTimeout(() => process.exit(code), 10_000);
  hardStop.unref();
  void releaseAll().finally(() => process.exit(code));
}

function install(): void {
  if (installed) return;
  installed = true;
  // Not `once`: a second Ctrl-C while the cleanup runs must not kill the process half-way through it.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
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
