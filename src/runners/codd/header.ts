import { TextIndex } from '../../migrations/text-index.js';
import { InputError } from '../../migrations/types.js';

/** The options `-- codd:` accepts (codd's SectionOption). */
export const OPTIONS = ['in-txn', 'no-txn', 'no-parse', 'requires-codd-schema'] as const;

export interface Located {
  line: number;
  column: number;
}

export interface Header {
  options: (Located & { name: (typeof OPTIONS)[number] })[];
  connection?: Located & { text: string };
  envVars: (Located & { name: string })[];
}

/**
 * Reads the directives in the comments above the first statement, as codd does: only `--`
 * comments count, and a `-- codd:` further down is an ordinary comment.
 */
export function readHeader(text: string, file: string): Header {
  const index = new TextIndex(text);
  const header: Header = { options: [], envVars: [] };
  const fail = (message: string, at: number, fix?: string): never => {
    const { line, column } = index.position(at);
    throw new InputError(message, file, line, column, fix);
  };

  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text.charAt(i))) {
      i++;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (text.startsWith('--', i)) {
      let end = text.indexOf('\n', i);
      if (end < 0) end = text.length;
      readDirective(text.slice(i, end).replace(/\r$/, ''), i);
      i = end;
    } else {
      break;
    }
  }

  const names = header.options.map((o) => o.name);
  if (names.includes('in-txn') && names.includes('no-txn')) {
    const second = header.options.find((o) => o.name === (names.indexOf('in-txn') > names.indexOf('no-txn') ? 'in-txn' : 'no-txn'))!;
    throw new InputError(
      "'in-txn' and 'no-txn' exclude each other (codd: choose either in-txn, no-txn or leave blank for the default of in-txn)",
      file,
      second.line,
      second.column,
      'keep one of them',
    );
  }
  if (names.includes('no-txn') && names.includes('no-parse')) {
    const second = header.options[Math.max(names.indexOf('no-txn'), names.indexOf('no-parse'))]!;
    throw new InputError(
      "It is not possible to set both 'no-txn' and 'no-parse' (codd refuses the migration)",
      file,
      second.line,
      second.column,
      'a no-parse migration is sent whole in a transaction: drop no-parse so codd can send the statements one by one outside a transaction, or drop no-txn',
    );
  }
  return header;

  function readDirective(comment: string, at: number): void {
    const directive = /^--[ \t]*(codd(?:-[A-Za-z-]*)?):/.exec(comment);
    if (!directive) return;
    const word = directive[1]!;
    const bodyAt = at + directive[0].length;
    const body = comment.slice(directive[0].length);
    switch (word) {
      case 'codd':
        return readOptions(body, bodyAt);
      case 'codd-connection': {
        const lead = /^[ \t]*/.exec(body)![0].length;
        const value = body.slice(lead).trimEnd();
        if (header.connection) {
          fail(`a second -- codd-connection: (the first is on line ${header.connection.line}); codd allows one per migration`, at, 'keep one');
        }
        if (value === '') fail('-- codd-connection: names no connection string', at, 'write e.g. -- codd-connection: postgres://postgres@localhost/postgres');
        header.connection = { ...index.position(bodyAt + lead), text: value };
        return;
      }
      case 'codd-env-vars':
        return readEnvVars(body, bodyAt);
      default:
        fail(
          `unknown codd directive "-- ${word}:"`,
          at,
          'codd reads -- codd:, -- codd-connection: and -- codd-env-vars: (anything else is an ordinary comment to codd, so a typo here silently changes what runs)',
        );
    }
  }

  function readOptions(body: string, bodyAt: number): void {
    for (const item of items(body, bodyAt)) {
      if (item.text === '') {
        fail('-- codd: lists an empty option', item.at, `write the options separated by commas, e.g. -- codd: no-txn`);
      }
      const option = OPTIONS.find((o) => o === item.text);
      if (!option) {
        fail(`unknown option '${item.text}' after -- codd:`, item.at, `codd's options are ${OPTIONS.join(', ')}`);
      }
      if (header.options.some((o) => o.name === option)) {
        fail(`the option '${option}' is given twice (codd: some options are duplicated)`, item.at, 'give each option once');
      }
      header.options.push({ name: option!, ...index.position(item.at) });
    }
  }

  function readEnvVars(body: string, bodyAt: number): void {
    for (const item of items(body, bodyAt)) {
      if (!/^[A-Za-z0-9_]+$/.test(item.text)) {
        fail(
          `malformed -- codd-env-vars: "${item.text}" is not a variable name`,
          item.at,
          'list names of letters, digits and underscores, separated by commas: -- codd-env-vars: PGDATABASE, APP_ROLE',
        );
      }
      if (!header.envVars.some((v) => v.name === item.text)) header.envVars.push({ name: item.text, ...index.position(item.at) });
    }
  }
}

/** The comma-separated items of a directive, trimmed, each with the offset of its first character. */
function items(body: string, bodyAt: number): { text: string; at: number }[] {
  const out: { text: string; at: number }[] = [];
  let start = 0;
  for (const part of body.split(',')) {
    const lead = /^[ \t]*/.exec(part)![0].length;
    out.push({ text: part.trim(), at: bodyAt + start + lead });
    start += part.length + 1;
  }
  return out;
}
