/** SQL text for generated rows: identifiers and literals, quoted whatever they hold. */

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualifiedName(table: { schema: string; name: string }): string {
  return `${ident(table.schema)}.${ident(table.name)}`;
}

/** A literal the server reads as the same text whatever standard_conforming_strings says. */
export function literal(value: string | null): string {
  if (value === null) return 'NULL';
  const quoted = value.replace(/'/g, "''");
  return value.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

/** One INSERT of rows (each a list of literals already quoted) into the given columns. */
export function insertSql(table: { schema: string; name: string }, columns: string[], rows: string[][], returning: string[] = [], overriding = false): string {
  const back = returning.length > 0 ? ` RETURNING ${returning.map((c, i) => `${ident(c)}::text AS k${i}`).join(', ')}` : '';
  if (columns.length === 0) return `INSERT INTO ${qualifiedName(table)} DEFAULT VALUES${back}`;
  const values = rows.map((row) => `(${row.join(', ')})`).join(',\n  ');
  return `INSERT INTO ${qualifiedName(table)} (${columns.map(ident).join(', ')})${overriding ? ' OVERRIDING SYSTEM VALUE' : ''} VALUES\n  ${values}${back}`;
}
