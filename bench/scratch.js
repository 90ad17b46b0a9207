// What a bench makes is removed also when it is stopped (Ctrl-C, SIGTERM), as migtest's command
// line does it: the signal handlers first, then every server and folder tracked until removed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { install, track } from '../dist/postgres/cleanup.js';

install();

/** A temporary folder of the bench's, removed at the end or when the bench is stopped. */
export function scratchDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  track({ label: `bench folder ${dir}`, release: async () => remove(), releaseSync: remove });
  return dir;
}
