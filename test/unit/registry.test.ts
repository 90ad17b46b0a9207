// The registry lists every tool folder, and each tool's parser is a pure function of the files.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RUNNER_NAMES } from '../../src/config/define.js';
import { RULES } from '../../src/lint/rules/index.js';
import { readFolder, type Folder } from '../../src/migrations/folder.js';
import { loadSet } from '../../src/migrations/load.js';
import { initParser } from '../../src/migrations/split.js';
import { InputError } from '../../src/migrations/types.js';
import { RUNNERS, TOOL_NAMES, TOOLS, runnerModel, toolNamed } from '../../src/runners/registry.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RUNNERS_DIR = path.join(ROOT, 'src/runners');

/** The set folders the scenarios run under each runner. */
function scenarioSets(): Map<string, string[]> {
  const sets = new Map<string, string[]>();
  for (const name of readdirSync(path.join(ROOT, 'scenarios'))) {
    const scenario = JSON.parse(readFileSync(path.join(ROOT, 'scenarios', name), 'utf8')) as { runner: string; sets: Record<string, { path: string }> };
    for (const set of Object.values(scenario.sets)) {
      const dir = path.resolve(ROOT, 'scenarios', set.path);
      sets.set(scenario.runner, [...new Set([...(sets.get(scenario.runner) ?? []), dir])]);
    }
  }
  return sets;
}

/** The folder as if it sat at `dir`: the same names and bytes, paths that exist nowhere on disk. */
function elsewhere(folder: Folder, dir: string): Folder {
  return { ...folder, dir, files: folder.files.map((file) => ({ ...file, path: path.join(dir, file.name) })) };
}

describe('the registry', () => {
  it('lists every folder of src/runners/, and each folder is a tool', () => {
    const folders = readdirSync(RUNNERS_DIR, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    expect([...folders].sort(), 'a folder in src/runners/ that is not in TOOLS (src/runners/registry.ts), or the other way round').toEqual([...TOOL_NAMES].sort());
    for (const name of folders) expect(existsSync(path.join(RUNNERS_DIR, name, 'index.ts')), `src/runners/${name}/index.ts exports the tool`).toBe(true);
  });

  it('gives each tool one name: its runner model, its format, its docs page', () => {
    for (const tool of TOOLS) {
      expect(tool.model.name).toBe(tool.name);
      expect(tool.model.format).toBe(tool.name);
      expect(tool.docs).toBe(`docs/runners/${tool.name}.md`);
      expect(existsSync(path.join(ROOT, tool.docs)), tool.docs).toBe(true);
      expect(toolNamed(tool.name)).toBe(tool);
      expect(runnerModel(tool.name)).toBe(tool.model);
      expect(RUNNERS[tool.name]).toBe(tool.model);
    }
    expect(toolNamed('flyway')).toBeUndefined();
    expect(() => runnerModel('flyway')).toThrow(InputError);
  });

  it('is where the config, the command line and lint get their lists', () => {
    expect(RUNNER_NAMES).toEqual(TOOL_NAMES);
    const ids = RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of TOOLS.flatMap((tool) => tool.lint.rules)) expect(ids).toContain(rule.id);
  });
});

describe("each tool's parser", () => {
  const sets = scenarioSets();

  for (const tool of TOOLS) {
    it(`${tool.name}: parses the files it is given, without reading the disk`, async () => {
      const dirs = sets.get(tool.name) ?? [];
      expect(dirs.length, `a scenario in scenarios/ runs a set under ${tool.name}`).toBeGreaterThan(0);
      await initParser();
      for (const [i, dir] of dirs.entries()) {
        const read = await readFolder(dir);
        const nowhere = path.join('/nonexistent/migtest', tool.name, String(i));
        // Synchronous, and the same set from the same bytes wherever the folder claims to be.
        const parsed = tool.parse(elsewhere(read, nowhere), {});
        expect(parsed).not.toBeInstanceOf(Promise);
        const there = JSON.stringify(parsed).replaceAll(nowhere, dir);
        expect(there).toBe(JSON.stringify(tool.parse(read, {})));
        expect(JSON.stringify(tool.parse(elsewhere(read, nowhere), {}))).toBe(JSON.stringify(parsed));
        const onDisk = tool.parse(read, {});
        if (onDisk.problems.length === 0) expect(onDisk.set).toEqual(await loadSet(dir, tool.name, {}));
      }
    });

    it(`${tool.name}: gives what it cannot parse as problems, not as a throw`, async () => {
      await initParser();
      const missing = tool.parse({ dir: '/nonexistent/migtest/missing', files: [], unreadable: 'the migration folder does not exist' }, {});
      expect(missing.set).toBeUndefined();
      expect(missing.problems).toHaveLength(1);
      expect(missing.problems[0]).toBeInstanceOf(InputError);
      expect(missing.problems[0]!.file).toBe('/nonexistent/migtest/missing');
      const empty = tool.parse({ dir: '/nonexistent/migtest/empty', files: [] }, {});
      expect(empty.problems[0]).toBeInstanceOf(InputError);
      expect(empty.problems[0]!.file).toBe('/nonexistent/migtest/empty');
    });
  }
});
