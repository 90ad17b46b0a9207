/**
 * `ALTER DATABASE … SET` and `ALTER ROLE … IN DATABASE … SET` belong to a database (rows of the
 * shared catalog pg_db_role_setting), but CREATE DATABASE … TEMPLATE copies only the template's
 * files, not these rows. A copy of a state must have them, or it would not be the same state.
 */

/** One pg_db_role_setting row of a database: `role` null for the whole database. */
export interface DatabaseSettingRow {
  role: string | null;
  config: string[];
}

/**
 * Settings whose stored value is a list of identifiers, quoted where needed (GUC_LIST_QUOTE in
 * guc_tables.c): the value is SQL as it stands, and quoting it again as one string literal would
 * make the whole list a single element. Those that can only be set at server start are left out.
 */
const IDENTIFIER_LISTS = new Set(['search_path', 'temp_tablespaces', 'local_preload_libraries', 'session_preload_libraries']);

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** The statements that give `database` the settings `rows` hold, as they were stored. */
export function settingStatements(database: string, rows: DatabaseSettingRow[]): string[] {
  const statements: string[] = [];
  for (const row of rows) {
    const target = row.role === null ? `DATABASE ${ident(database)}` : `ROLE ${ident(row.role)} IN DATABASE ${ident(database)}`;
    for (const entry of row.config) {
      const equals = entry.indexOf('=');
      if (equals <= 0) throw new Error(`unexpected database setting ${JSON.stringify(entry)}`);
      const name = entry.slice(0, equals);
      const value = entry.slice(equals + 1);
      // A custom setting is `prefix.name`: each part is an identifier of its own.
      const setting = name.split('.').map(ident).join('.');
      // An empty list is stored as `""`, which is not a valid identifier.
      const sqlValue = IDENTIFIER_LISTS.has(name.toLowerCase()) ? (value === '""' ? "''" : value) : literal(value);
      statements.push(`ALTER ${target} SET ${setting} = ${sqlValue}`);
    }
  }
  return statements;
}

/** The rows of the database named `$1`. */
export const databaseSettingsQuery = `
SELECT r.rolname AS role, s.setconfig AS config
FROM pg_catalog.pg_db_role_setting s
LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
WHERE s.setdatabase = (SELECT oid FROM pg_catalog.pg_database WHERE datname = $1)
ORDER BY r.rolname NULLS FIRST`;
