// Each tool's knowledge lives in its own folder: no other source file names a tool.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TOOLS } from '../../src/runners/registry.js';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
const REGISTRY = 'runners/registry.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : [full];
  });
}

/**
 * Tools named by an ordinary word of the domain: the word itself is everywhere, so only the word
 * as a name counts (a string literal, `--runner <name>`, `runners/<name>/`).
 */
const WORD_NAMES = new Set(['files']);

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The files under src/ (relative, with /) whose text names `tool`, in any case. */
function filesNaming(tool: string, files: readonly { file: string; text: string }[]): string[] {
  const needle = tool.toLowerCase();
  const word = escaped(needle);
  const asName = new RegExp(`(['"])${word}\\1|--runner[= ]${word}\\b|runners/${word}/|model ${word}\\b`);
  const names = WORD_NAMES.has(needle) ? (text: string) => asName.test(text) : (text: string) => text.includes(needle);
  return files.filter(({ text }) => names(text.toLowerCase())).map(({ file }) => file);
}

describe('tool names', () => {
  const files = sourceFiles(SRC).map((full) => ({ file: path.relative(SRC, full).split(path.sep).join('/'), text: readFileSync(full, 'utf8') }));

  it('reads the source tree', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(filesNaming('dbmate', [{ file: 'x.ts', text: '// DBMATE' }])).toEqual(['x.ts']);
    expect(filesNaming('files', [{ file: 'x.ts', text: '// the files of a set' }])).toEqual([]);
    expect(filesNaming('files', [{ file: 'x.ts', text: "if (model.name === 'files')" }])).toEqual(['x.ts']);
    expect(filesNaming('files', [{ file: 'x.ts', text: '`--runner files`' }])).toEqual(['x.ts']);
  });

  for (const tool of TOOLS) {
    it(`${tool.name} is named only in src/runners/${tool.name}/ and the registry`, () => {
      const own = `runners/${tool.name}/`;
      const elsewhere = filesNaming(tool.name, files).filter((file) => !file.startsWith(own) && file !== REGISTRY);
      expect(
        elsewhere,
        `these files name the tool "${tool.name}" outside its folder src/${own}: ` +
          `${elsewhere.map((file) => `src/${file}`).join(', ')}. Code outside a tool's folder is generic: ` +
          `reword a comment or message so that it holds for every tool (name the concept, e.g. "a dirty version", ` +
          `"a tool that retries by itself"), or move the tool-specific text into src/${own} and let the generic code ` +
          `ask for it through the tool's Tool, RunnerModel or ToolLint (see docs/runners/README.md)`,
      ).toEqual([]);
    });
  }
});
