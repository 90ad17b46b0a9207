import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/*
 * No import circles in src/: a module that imports itself through others cannot be read, tested or
 * moved on its own, and a type-only circle is the first step to a value one. Every relative import
 * counts: `import … from`, `import type`, `export … from`, `import('…')` and a bare `import '…'`.
 * TypeScript's own pre-processor finds them (it skips comments and strings); the resolving is ours.
 */

const SRC = path.resolve(import.meta.dirname, '../../src');

/** Every TypeScript source under `dir` (declaration files aside), by absolute path. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const file = path.join(dir, entry);
    if (statSync(file).isDirectory()) return sources(file);
    return /\.m?ts$/.test(entry) && !entry.endsWith('.d.ts') ? [file] : [];
  });
}

/** The file a relative specifier names (`./x.js` is `./x.ts` in the sources), if it is one of `files`. */
function resolveImport(from: string, specifier: string, files: ReadonlySet<string>): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), specifier);
  const stem = base.replace(/\.(js|mjs|ts|mts)$/, '');
  return [`${stem}.ts`, `${stem}.mts`, path.join(base, 'index.ts')].find((candidate) => files.has(candidate));
}

/** Each file's imports of other files of the tree. */
function importGraph(texts: ReadonlyMap<string, string>): Map<string, string[]> {
  const files = new Set(texts.keys());
  const graph = new Map<string, string[]>();
  for (const [file, text] of texts) {
    const { importedFiles } = ts.preProcessFile(text, true, true);
    const targets = importedFiles.map((i) => resolveImport(file, i.fileName, files)).filter((t): t is string => t !== undefined && t !== file);
    graph.set(file, [...new Set(targets)].sort());
  }
  return graph;
}

/** Each group of files that import each other (Tarjan's strongly connected components of two or more), as one circle in it. */
function importCycles(graph: ReadonlyMap<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component);
    }
  };
  for (const file of [...graph.keys()].sort()) if (!index.has(file)) visit(file);
  return components.map((component) => ring(graph, component));
}

/** One concrete circle inside a component, from its first file (sorted) back to it: what to break. */
function ring(graph: ReadonlyMap<string, string[]>, component: string[]): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0]!;
  // Breadth-first from start, inside the component, until an edge leads back to start.
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return [...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [...component, component[0]!];
}

function describeRing(files: string[]): string {
  return files.map((f) => path.relative(path.dirname(SRC), f)).join(' -> ');
}

describe('import cycles', () => {
  it('src/ has none', () => {
    const texts = new Map(sources(SRC).map((file) => [file, readFileSync(file, 'utf8')] as const));
    expect(texts.size).toBeGreaterThan(50);
    const rings = importCycles(importGraph(texts)).map(describeRing);
    expect(rings, `import circles in src (break each: move the shared part to a module both import):\n${rings.join('\n')}`).toEqual([]);
  });

  it('finds a circle through a type-only import, a re-export and a dynamic import, and names it', () => {
    const at = (name: string): string => path.join(SRC, name);
    const texts = new Map([
      [at('a.ts'), "import type { B } from './b.js';\n// import { z } from './z.js'\nexport const a = 1;"],
      [at('b.ts'), "export { c } from './dir/index.js';\nexport type B = number;"],
      [at('dir/index.ts'), "export const c = () => import('../a.js');"],
      [at('leaf.ts'), "import './a.js';\nimport pg from 'pg';"],
      [at('z.ts'), "import { leaf } from './leaf.js';"],
    ]);
    const graph = importGraph(texts);
    expect(graph.get(at('a.ts'))).toEqual([at('b.ts')]); // the commented-out import is no edge
    expect(graph.get(at('leaf.ts'))).toEqual([at('a.ts')]);
    expect(importCycles(graph).map(describeRing)).toEqual(['src/a.ts -> src/b.ts -> src/dir/index.ts -> src/a.ts']);
  });

  it('finds none in a tree without circles', () => {
    const at = (name: string): string => path.join(SRC, name);
    const texts = new Map([
      [at('a.ts'), "import { b } from './b.js';"],
      [at('b.ts'), "import { c } from './c.js';"],
      [at('c.ts'), 'export const c = 1;'],
    ]);
    expect(importCycles(importGraph(texts))).toEqual([]);
  });
});
