import { createHash } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who made a server folder, a container or a scratch database: the process (pid and the moment it
 * started, so that a pid the kernel has handed to another process is not taken for the owner) on
 * one machine (hostname and boot). A later run removes what an owner that is gone left behind, and
 * never touches what has no owner record, or one it cannot judge (another machine).
 */
export interface Owner {
  pid: number;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat); null where there is no /proc. */
  start: string | null;
  /** Hostname, boot and pid namespace, hashed: a pid means something only where it came from. */
  host: string;
}

/** The start time of process `pid`, or undefined when it does not exist (or there is no /proc). */
export function processStart(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Field 22 of the whole line is starttime; after the name, field 3 is the first.
  return fields[22 - 3];
}

function hasProc(): boolean {
  return processStart(process.pid) !== undefined;
}

function hostTag(): string {
  let boot = '';
  let pids = '';
  try {
    boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    // Pids mean something only inside one pid namespace (containers sharing a /tmp or a url server).
    pids = readlinkSync('/proc/self/ns/pid');
  } catch {
    // No /proc: the hostname alone tells machines apart.
  }
  return createHash('sha256').update(`${hostname()}\n${boot}\n${pids}`).digest('hex').slice(0, 8);
}

let self: Owner | undefined;

/** This process as an owner. */
export function selfOwner(): Owner {
  self ??= { pid: process.pid, start: processStart(process.pid) ?? null, host: hostTag() };
  return self;
}

/** The record written beside what a run makes: `migtest-owner pid=… start=… host=…`. */
export function ownerRecord(owner: Owner = selfOwner()): string {
  return `migtest-owner pid=${owner.pid} start=${owner.start ?? 'x'} host=${owner.host}`;
}

export function parseOwnerRecord(text: string): Owner | undefined {
  const match = /^migtest-owner pid=(\d+) start=(\d+|x) host=([0-9a-f]{8})\s*$/.exec(text);
  if (!match) return undefined;
  return { pid: Number(match[1]), start: match[2] === 'x' ? null : match[2]!, host: match[3]! };
}

/**
 * Whether the owner's process still runs: true, false, or undefined when this process cannot tell
 * (another machine or boot, or a record with a start time where this machine has no /proc).
 */
export function ownerAlive(owner: Owner): boolean | undefined {
  if (owner.host !== selfOwner().host) return undefined;
  if (owner.start !== null) {
    if (!hasProc()) return undefined;
    const start = processStart(owner.pid);
    return start !== undefined && start === owner.start;
  }
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * The name prefix of this run's scratch databases, the owner encoded in it (a database has room
 * for no file, and a COMMENT would come a statement after the CREATE): `migtest_<pid>_<tag>_<start>_<host>_`.
 * `tag` tells apart the sessions of one process.
 */
export function databasePrefix(tag: string, owner: Owner = selfOwner()): string {
  return `migtest_${owner.pid}_${tag}_${owner.start ?? 'x'}_${owner.host}_`;
}

// A case database, or one a tool's model made for that case (its name, then `__` and the set's name).
const DATABASE_NAME = /^migtest_(\d+)_[0-9a-f]{6}_(\d+|x)_([0-9a-f]{8})_\d+(__[a-z0-9_]*)?$/;

/** The owner a scratch database's name records; undefined for any other name (older runs' names included). */
export function databaseOwner(name: string): Owner | undefined {
  const match = DATABASE_NAME.exec(name);
  if (!match) return undefined;
  return { pid: Number(match[1]), start: match[2] === 'x' ? null : match[2]!, host: match[3]! };
}
