import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { InputError } from '../../src/migrations/types.js';

/**
 * A new temporary folder for every test, removed after it; `onCreate` receives its path.
 * `write` puts files (names may hold subfolders) into the current one.
 */
export function tempFolder(prefix: string, onCreate: (dir: string) => void): { write(files: Record<string, string>): Promise<void> } {
  let current = '';
  beforeEach(async () => {
    current = await mkdtemp(path.join(tmpdir(), prefix));
    onCreate(current);
  });
  afterEach(async () => {
    await rm(current, { recursive: true, force: true });
  });
  return {
    async write(files) {
      for (const [name, text] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(current, name)), { recursive: true });
        await writeFile(path.join(current, name), text);
      }
    },
  };
}

/** The InputError a promise rejects with; fails the test if it resolves or rejects otherwise. */
export async function rejection(promise: Promise<unknown>): Promise<InputError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}
