import { describe, expect, it } from 'vitest';
import { cigogneSplit, commentRanges } from '../../src/runners/cigogne/splitter.js';
import { lint, of, where } from './lint-set.js';

const RULE = 'cigogne-comment-split';
const F = '20240101000000-Members.sql';

/** The pieces cigogne sends, as its splitter cuts them (trimmed, empty ones dropped). */
function sent(text: string): string[] {
  return cigogneSplit(text)
    .pieces.map((p) => text.slice(p.start, p.end).trim())
    .filter((p) => p !== '');
}

describe("cigogne's splitter", () => {
  it("cuts at ; outside '…' and $tag$…$tag$, and takes $1 for a parameter", () => {
    expect(sent("SELECT ';';\nDO $x$ BEGIN PERFORM 1; END $x$;\nSELECT $1, $$a;b$$;")).toEqual(["SELECT ';'", 'DO $x$ BEGIN PERFORM 1; END $x$', 'SELECT $1, $$a;b$$']);
  });

  it("knows no comments: a quote there opens a literal, a ; there ends a statement", () => {
    expect(sent("SELECT 1; -- it's\nSELECT 2; -- isn't\nSELECT 3;")).toEqual(["SELECT 1", "-- it's\nSELECT 2; -- isn't\nSELECT 3"]);
    expect(sent('SELECT 1 -- one; two\n;')).toEqual(['SELECT 1 -- one', 'two']);
    expect(cigogneSplit("SELECT 1; -- don't").unfinished).toBe('string literal');
  });

  it('names the first character it misreads inside a comment', () => {
    const text = "SELECT 1; /* a $1 and a 'x' */ -- user's\nSELECT 2;";
    const misread = cigogneSplit(text, commentRanges(text)).misread;
    expect(misread).toEqual({ at: text.indexOf("'x'"), char: "'" });
  });
});

describe(RULE, () => {
  it('flags a quote in a comment that merges two statements into one prepared statement, at the quote', async () => {
    const files = { [F]: "CREATE TABLE m (a int);\n-- a user's row\nCREATE INDEX m_a ON m (a);\n-- each tenant's owner\nCREATE INDEX m_b ON m (a) WHERE a > 0;" };
    const findings = of(await lint(files, 'cigogne'), RULE);
    expect(where(findings)).toEqual([`${RULE} ${F}:2`]);
    expect(findings[0]!.column).toBe(10);
    expect(findings[0]!.case?.expects).toBe('42601');
    expect(findings[0]!.message).toContain("a ' inside a comment: cigogne's statement splitter does not skip comments and takes it for the start of a string literal");
    expect(findings[0]!.message).toContain('lines 2–5 as ONE prepared statement');
    expect(findings[0]!.hint).toContain('take the \' out of the comment');
  });

  it('flags a literal that never ends (cigogne refuses the file) and a ; that sends the rest of a comment as SQL', async () => {
    const open = of(await lint({ [F]: "CREATE TABLE m (a int); -- don't drop\n" }, 'cigogne'), RULE);
    expect(open[0]!.message).toContain('cigogne refuses the file ("Invalid migration: Unfinished string literal")');
    const semicolon = of(await lint({ [F]: 'CREATE TABLE m (a int); -- first; then the index\nCREATE INDEX m_a ON m (a);' }, 'cigogne'), RULE);
    expect(where(semicolon)).toEqual([`${RULE} ${F}:1`]);
    expect(semicolon[0]!.message).toContain("a ; inside a comment");
    expect(semicolon[0]!.message).toContain('is not valid SQL (42601 syntax error)');
  });

  it('says nothing where the misreading changes nothing sent, and nothing under another runner', async () => {
    const balanced = { [F]: "-- the 'code' column is the key\nCREATE TABLE m (code text PRIMARY KEY);\nSELECT 'it''s'; -- done;\n" };
    expect(of(await lint(balanced, 'cigogne'), RULE)).toEqual([]);
    expect(of(await lint({ [F]: "CREATE TABLE m (a int);\n-- a user's row\nSELECT 1;\n-- each tenant's owner\nSELECT 2;" }, 'rerun-all'), RULE)).toEqual([]);
  });
});
