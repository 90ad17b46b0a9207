import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { attr, text, toJunit } from '../../src/report/junit.js';
import { AT_STATEMENT, handMadeReport, WITHOUT_FILE } from './report-fixtures.js';

interface Node {
  [key: string]: unknown;
}

function parse(xml: string): Node {
  const valid = XMLValidator.validate(xml);
  expect(valid).toBe(true);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
    htmlEntities: true,
  });
  return parser.parse(xml) as Node;
}

const suitesOf = (doc: Node) => (doc.testsuites as Node).testsuite as Node[];
const casesOf = (suite: Node) => suite.testcase as Node[];

describe('junit reporter', () => {
  const xml = toJunit(handMadeReport(), { cwd: process.cwd(), now: new Date('2026-12-04T23:35:17Z'), hostname: 'runner-1' });
  const doc = parse(xml);

  it('writes well-formed XML with one testsuite per PostgreSQL version, named after it', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    const suites = suitesOf(doc);
    expect(suites.map((s) => s.name)).toEqual(['sets/a,b · rerun-all · PostgreSQL 17', 'sets/a,b · rerun-all · PostgreSQL 16']);
    const properties = (suites[0]!.properties as Node).property as Node[];
    expect(Object.fromEntries(properties.map((p) => [p.name, p.value]))).toEqual({
      set: 'sets/a,b',
      runner: 'rerun-all',
      postgres: '17.10',
      shard: '2/4',
    });
  });

  it('says when and where the suites ran: timestamp (UTC, the checks\' time before the report) and hostname', () => {
    for (const suite of suitesOf(doc)) expect(suite).toMatchObject({ timestamp: '2026-12-04T23:35:12', hostname: 'runner-1' });
  });

  it('counts a failing check once per file of its findings, and times in seconds', () => {
    const top = doc.testsuites as Node;
    expect(top).toMatchObject({ tests: '5', failures: '2', errors: '0', skipped: '1', time: '4.123' });
    const [pg17, pg16] = suitesOf(doc);
    expect(pg17).toMatchObject({ tests: '4', failures: '2', skipped: '1', time: '2.623' });
    expect(pg16).toMatchObject({ tests: '1', failures: '0', skipped: '0', time: '1.500' });
    expect(casesOf(pg17!).map((c) => c.classname)).toEqual(['pg17.fresh', 'pg17.fault', 'pg17.fault', 'pg17.resume']);
  });

  it('gives a passing check one testcase named by check and version; the case count is in its output', () => {
    const [fresh] = casesOf(suitesOf(doc)[0]!);
    expect(fresh).toMatchObject({ name: 'fresh · PostgreSQL 17', time: '0.120' });
    expect(fresh!.failure).toBeUndefined();
    expect(fresh!['system-out']).toBe('fresh on PostgreSQL 17: 1 case passed');
    expect(casesOf(suitesOf(doc)[1]!)[0]).toMatchObject({ name: 'fault · PostgreSQL 16', classname: 'pg16.fault' });
  });

  it('gives each file of a failing check a testcase named by check, version and file, with file and line attributes', () => {
    const finding = casesOf(suitesOf(doc)[0]!)[1]!;
    expect(finding.name).toBe('fault · PostgreSQL 17 · sets/a,b/000004_x:y.up.sql');
    expect(finding).toMatchObject({ file: 'sets/a,b/000004_x:y.up.sql', line: '2' });
    expect(finding.name).not.toMatch(/:2|:5/);
    expect(finding.time).toBe('1.250');
    const failure = finding.failure as Node;
    expect(failure.message).toBe(`42710 constraint "c" for relation "t" already exists: 100% sure <really> & 'quoted'`);
    expect(failure.type).toBe('42710');
    const body = failure['#text'] as string;
    expect(body.split('\n')[0]).toBe('sets/a,b/000004_x:y.up.sql:2:5');
    expect(body).toContain(AT_STATEMENT.statement!);
    expect(body).toContain('42710 constraint "c" for relation "t" already exists: 100% sure <really> & \'quoted\'');
    expect(body).toContain('hint: guard it: IF NOT EXISTS, then\nre-run');
    expect(body).toContain(`reproduce: ${AT_STATEMENT.reproduce}`);
    expect(body).toContain('check ran 22 cases');
    expect(body).not.toContain('\r');
  });

  it('names the findings without a file by check and version only (never by their case), with the case and the diff in the body', () => {
    const finding = casesOf(suitesOf(doc)[0]!)[2]!;
    expect(finding.name).toBe('fault · PostgreSQL 17');
    expect(finding.file).toBeUndefined();
    const body = (finding.failure as Node)['#text'] as string;
    expect(body.split('\n')[0]).toBe('(no statement)');
    expect(body).toContain(`case: ${JSON.stringify(WITHOUT_FILE.case)}`);
    expect(body).toMatch(/diff:\n {2}\+ table:public\.t/);
    expect(body).toContain(`reproduce: ${WITHOUT_FILE.reproduce}`);
  });

  it('marks a skipped check with its reason', () => {
    const skipped = casesOf(suitesOf(doc)[0]!)[3]!;
    expect(skipped.name).toBe('resume · PostgreSQL 17');
    expect(skipped.skipped).toEqual({ message: 'none of the 22 cases falls on shard 2/4 & <more>' });
  });
});

describe('XML escaping', () => {
  it('escapes markup in text and quotes and line breaks in attributes', () => {
    // The well-formedness check used above does refuse what escaping prevents.
    expect(XMLValidator.validate('<a b="say "hi""><c>x & y</c></a>')).not.toBe(true);
    expect(XMLValidator.validate(`<a b="${attr('say "hi"')}"><c>${text('x & y')}</c></a>`)).toBe(true);
    expect(text(`a < b && c > d ]]> "q"`)).toBe('a &lt; b &amp;&amp; c &gt; d ]]&gt; "q"');
    expect(attr(`say "hi" & 'bye'\n\tnext`)).toBe('say &quot;hi&quot; &amp; &apos;bye&apos;&#10;&#9;next');
    // Read back, an attribute keeps its line break, which a parser would otherwise turn into a space.
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', htmlEntities: true }).parse(`<a v="${attr('one\ntwo')}"/>`) as { a: { v: string } };
    expect(parsed.a.v).toBe('one\ntwo');
  });

  it('keeps characters XML cannot carry out of the document, visibly', () => {
    const odd = 'nul\u0000 bell\u0007 lone\uD800 end\uFFFF';
    expect(text(odd)).toBe('nul\\u0000 bell\\u0007 lone\\ud800 end\\uffff');
    const report = handMadeReport();
    report.checks[1]!.findings[0] = { ...AT_STATEMENT, message: odd };
    expect(XMLValidator.validate(toJunit(report))).toBe(true);
    expect(text('emoji 🐘 stays')).toBe('emoji 🐘 stays');
    expect(text('del\u007f c1\u0085')).toBe('del\\u007f c1\\u0085');
    expect(text('a\r\nb\rc')).toBe('a\nb\nc');
  });

  it('puts the findings of one file in one testcase, its line the first of them, the others counted in the message', () => {
    const report = handMadeReport();
    report.checks[1]!.findings = [{ ...AT_STATEMENT, line: 7 }, { ...AT_STATEMENT, line: 3, message: 'second' }];
    const doc = parse(toJunit(report, { cwd: process.cwd() }));
    const cases = casesOf(suitesOf(doc)[0]!).filter((c) => c.classname === 'pg17.fault');
    expect(cases).toHaveLength(1);
    expect(cases[0]).toMatchObject({ line: '3', name: 'fault · PostgreSQL 17 · sets/a,b/000004_x:y.up.sql' });
    expect((cases[0]!.failure as Node).message).toMatch(/\(and 1 more finding in this file\)$/);
    expect(((cases[0]!.failure as Node)['#text'] as string).match(/reproduce:/g)).toHaveLength(2);
  });
});
