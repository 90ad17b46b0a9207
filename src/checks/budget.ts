/**
 * The bytes the kept databases of a run may take (`--memory`), and which of them go when they take
 * more: least recently used first, never one in use. Pure: it holds sizes and use, the caller drops
 * the databases it is told to.
 */
export class TemplateBudget<K> {
  /** Kept entries in order of last use, least recent first (a Map keeps insertion order). */
  readonly #entries = new Map<K, number>();
  /** Uses under way, by key: kept apart from the entries, since a key in use may be given back and added again. */
  readonly #pins = new Map<K, number>();
  #total = 0;

  constructor(readonly limit: number) {}

  /** Bytes held by every entry. */
  get total(): number {
    return this.#total;
  }

  get size(): number {
    return this.#entries.size;
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  /** The bytes of an entry, undefined when it is not kept. */
  bytes(key: K): number | undefined {
    return this.#entries.get(key);
  }

  /** A new entry, used just now. */
  add(key: K, bytes: number): void {
    this.remove(key);
    this.#entries.set(key, bytes);
    this.#total += bytes;
  }

  remove(key: K): void {
    const bytes = this.#entries.get(key);
    if (bytes === undefined) return;
    this.#entries.delete(key);
    this.#total -= bytes;
  }

  /** Marks `key` as used just now: it goes last. */
  touch(key: K): void {
    const bytes = this.#entries.get(key);
    if (bytes === undefined) return;
    this.#entries.delete(key);
    this.#entries.set(key, bytes);
  }

  /** A key in use is never given back; pins count, so two users need two unpins. */
  pin(key: K): void {
    this.#pins.set(key, (this.#pins.get(key) ?? 0) + 1);
  }

  unpin(key: K): void {
    const pins = this.#pins.get(key) ?? 0;
    if (pins <= 1) this.#pins.delete(key);
    else this.#pins.set(key, pins - 1);
  }

  /**
   * The entries to give back so that the total fits the limit, least recently used first, removed
   * from the budget. Entries in use stay, so the total may stay over the limit for a while: a
   * budget smaller than what the cases at hand need slows the run, it never stops it.
   */
  over(): K[] {
    const out: K[] = [];
    if (this.#total <= this.limit) return out;
    for (const [key, bytes] of this.#entries) {
      if (this.#total <= this.limit) break;
      if (this.#pins.has(key)) continue;
      out.push(key);
      this.#entries.delete(key);
      this.#total -= bytes;
    }
    return out;
  }
}

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** The most the default budget takes, however much room there is: the machine runs other things too. */
export const DEFAULT_MEMORY_CAP = 2 * GiB;
/** The least a budget may be: below it a run would rebuild states for nearly every case. */
export const MIN_MEMORY = 64 * MiB;

/**
 * The default budget: half the free space of the filesystem the cluster lives on, at most
 * DEFAULT_MEMORY_CAP and at least MIN_MEMORY. `free` is undefined when the cluster's filesystem is
 * not migtest's to see (a container, an existing server): then the cap.
 */
export function defaultMemory(free: number | undefined): number {
  if (free === undefined || !Number.isFinite(free)) return DEFAULT_MEMORY_CAP;
  return Math.max(MIN_MEMORY, Math.min(DEFAULT_MEMORY_CAP, Math.floor(free / 2)));
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: MiB, mb: MiB, mib: MiB, g: GiB, gb: GiB, gib: GiB, t: 1024 * GiB, tb: 1024 * GiB, tib: 1024 * GiB };

/** `--memory 512MB`, `2G`, `1.5GiB`, `300000000`: bytes (units are powers of 1024); undefined when it is not a size. */
export function parseSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = UNITS[match[2]!.toLowerCase()];
  if (unit === undefined) return undefined;
  const bytes = Math.floor(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** A size as people read it: `512 MiB`, `2.0 GiB`. */
export function formatSize(bytes: number): string {
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(1)} GiB`;
  if (bytes >= MiB) return `${Math.round(bytes / MiB)} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}
