// The commit a bench measured, so that a row in bench/README.md says which code it timed.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function commit() {
  try {
    const options = { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] };
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], options).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], options).trim();
    return dirty ? `${head} with uncommitted changes in src/` : head;
  } catch {
    return 'unknown';
  }
}
