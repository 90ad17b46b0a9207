import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';

/** The JUnit schema migtest's reports are checked against (its comment says what it holds). */
export const JUNIT_XSD = join(import.meta.dirname, '..', 'fixtures', 'junit.xsd');

function hasXmllint(): boolean {
  try {
    execFileSync('which', ['xmllint'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Validates a document against the JUnit schema with libxml2: the installed `xmllint` when there
 * is one, else the same library compiled to WebAssembly (the devDependency xmllint-wasm), so the
 * test runs on a machine without libxml2-utils. Returns the validator's errors, none when valid.
 */
export async function junitSchemaErrors(xml: string): Promise<string[]> {
  const schema = readFileSync(JUNIT_XSD, 'utf8');
  if (hasXmllint()) {
    const dir = mkdtempSync(join(tmpdir(), 'migtest-junit-'));
    try {
      const file = join(dir, 'report.xml');
      writeFileSync(file, xml);
      const run = spawnSync('xmllint', ['--noout', '--schema', JUNIT_XSD, file], { encoding: 'utf8' });
      return run.status === 0 ? [] : run.stderr.split('\n').filter((l) => l.trim() !== '' && !l.endsWith('fails to validate'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const result = await validateXML({ xml: [{ fileName: 'report.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: schema }] });
  return result.valid ? [] : result.errors.map((e) => e.rawMessage);
}
