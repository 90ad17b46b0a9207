import type pg from 'pg';
import type { Connections, Target } from './connections.js';
import { createTracker, idsOf, inTransaction, register, type Applied } from './tracker.js';

/**
 * What one run of codd knows of its records: what codd.sql_migrations held when it started,
 * whether its schema exists, whether its default connection is open, and the records it holds in
 * memory until it can write them through that connection.
 */
export class Records {
  /** Whether codd has opened its default connection (it flushes pending records only then). */
  defaultOpen = false;
  schemaReady = false;
  /** Applied migrations whose rows codd has not written yet, in order. */
  unregistered: Applied[] = [];
  /** What codd.sql_migrations held when the run started, by migration name. */
  readonly applied = new Map<string, { succeeded: boolean; count: number }>();

  constructor(readonly connections: Connections) {}

  async openDefault(): Promise<pg.Client> {
    const client = await this.connections.open(this.connections.defaultTarget);
    this.defaultOpen = true;
    return client;
  }

  /** codd's createCoddSchemaAndFlushPendingMigrations: only once its default connection is open. */
  async flushViaDefault(): Promise<void> {
    if (!this.defaultOpen) return;
    const client = await this.connections.open(this.connections.defaultTarget);
    if (!this.schemaReady) {
      await inTransaction(client, () => createTracker(client));
      this.schemaReady = true;
    }
    if (this.unregistered.length === 0) return;
    const held = this.unregistered;
    await inTransaction(client, async () => {
      for (const a of held) await register(client, a, false);
    });
    this.unregistered = [];
  }

  /** codd's registerAppliedNoTxnMig. */
  async registerNoTxn(client: pg.Client, target: Target, applied: Applied): Promise<void> {
    if (applied.failed && !this.schemaReady) {
      // codd tries its default connection once more here: a partly applied no-txn migration may
      // have made it reachable (a bootstrap that created the database before failing).
      try {
        await this.openDefault();
        await this.flushViaDefault();
      } catch {
        // still unreachable: the record stays in memory, and is lost when codd exits
      }
    }
    if (target.defaultDb && this.schemaReady) {
      await inTransaction(client, () => register(client, applied, true));
    } else if (this.defaultOpen) {
      const ids = await idsOf(client, false);
      const defaultClient = await this.connections.open(this.connections.defaultTarget);
      await inTransaction(defaultClient, () => register(defaultClient, { ...applied, ...ids }, true));
    } else {
      this.unregistered.push({ ...applied, ...(await idsOf(client, true)) });
    }
  }
}
