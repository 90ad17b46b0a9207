import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import { InputError } from '../migrations/types.js';
import { refuseWhenStopping } from './cleanup.js';
import { DEFAULT_LIMITS, showDuration } from './limits.js';
import { reapDatabases, tellReaped } from './reap.js';
import { ServerSession } from './server.js';
import { InfrastructureError, type Provider, type Server, type StartOptions } from './types.js';

/** Query parameters that node-postgres (pg-connection-string) reads as secrets: `?password=` works like `user:password@`. */
const SECRET_PARAMETERS = ['password', 'sslpassword'];

/** The url as it may be shown: the password replaced by `***`. Anything unparsable is not shown at all. */
export function maskUrl(url: string): string {
  // Without an authority (`scheme://`), URL parsing would take `user:secret …` for a scheme and a path.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return '(a connection string that is not a URL)';
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const name of SECRET_PARAMETERS) if (parsed.searchParams.has(name)) parsed.searchParams.set(name, '***');
    return parsed.toString();
  } catch {
    return '(a connection string that is not a URL)';
  }
}

/**
 * The url for a reproduce command: without its password, which node-postgres then takes from
 * PGPASSWORD (or ~/.pgpass), so the command can be pasted without a secret in it.
 */
export function urlWithoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    for (const name of SECRET_PARAMETERS) parsed.searchParams.delete(name);
    return parsed.toString();
  } catch {
    return maskUrl(url);
  }
}

/** Replaces every occurrence of the password in a message, for errors that might echo it. */
function scrub(text: string, password: string | undefined): string {
  if (!password) return text;
  return text.replaceAll(password, '***').replaceAll(encodeURIComponent(password), '***');
}

/** The client settings of `url`, or a clear refusal that never shows the password. */
export function parseUrl(url: string): pg.ClientConfig {
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new InputError(`--url takes a postgres:// URL, not ${maskUrl(url)}`, undefined, undefined, undefined, 'e.g. --url postgres://migtest@localhost:5432/postgres (password in PGPASSWORD or in the URL)');
  }
  let config: pg.ClientConfig;
  try {
    config = parseIntoClientConfig(url);
  } catch (error) {
    const password = safePassword(url);
    throw new InputError(`--url ${maskUrl(url)} cannot be read: ${scrub(error instanceof Error ? error.message : String(error), password)}`);
  }
  return config;
}

function safePassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Drops this session's databases from a synchronous exit handler: a child process does the
 * asynchronous work while this one waits. The settings go through stdin, so the password is in no
 * process's arguments.
 */
function dropSync(config: pg.ClientConfig, names: string[]): void {
  if (names.length === 0) return;
  const require = createRequire(import.meta.url);
  const script = `
    const pg = require(${JSON.stringify(require.resolve('pg'))});
    let input = '';
    process.stdin.on('data', (d) => (input += d));
    process.stdin.on('end', async () => {
      const { config, names } = JSON.parse(input);
      const client = new pg.Client(config);
      try {
        await client.connect();
        for (const name of names) await client.query('DROP DATABASE IF EXISTS "' + name.replaceAll('"', '""') + '" WITH (FORCE)');
      } finally {
        await client.end().catch(() => {});
      }
    });`;
  try {
    execFileSync(process.execPath, ['-e', script], { input: JSON.stringify({ config, names }), stdio: ['pipe', 'ignore', 'ignore'], timeout: 15_000 });
  } catch {
    // Best effort at exit; the orderly path (release) has already tried.
  }
}

/**
 * An existing server: migtest creates its scratch databases there (names with the migtest prefix)
 * and drops those, and only those, at the end. It never kills or restarts the server.
 */
function urlOf(options: StartOptions): string {
  const url = options.url ?? process.env.DATABASE_URL;
  if (!url) throw new InputError('the url provider needs a server: no --url, and DATABASE_URL is not set', undefined, undefined, undefined, 'give --url postgres://user@host:port/database, or set DATABASE_URL');
  return url;
}

export async function startUrl(options: StartOptions): Promise<Server> {
  const url = urlOf(options);
  const config = parseUrl(url);
  const password = typeof config.password === 'string' ? config.password : undefined;
  const shown = maskUrl(url);
  const connectMs = options.limits?.connectMs ?? DEFAULT_LIMITS.connectMs;
  refuseWhenStopping('connecting to a server');

  const client = new pg.Client({ ...config, connectionTimeoutMillis: connectMs });
  client.on('error', () => undefined);
  let role: { name: string; superuser: boolean; createdb: boolean };
  try {
    await client.connect();
    const { rows } = await client.query<{ rolname: string; rolsuper: boolean; rolcreatedb: boolean }>(
      'SELECT rolname, rolsuper, rolcreatedb FROM pg_roles WHERE rolname = current_user',
    );
    role = { name: rows[0]!.rolname, superuser: rows[0]!.rolsuper, createdb: rows[0]!.rolcreatedb };
    // What runs killed outright left on this server (their owner is gone): dropped, and said so.
    tellReaped(await reapDatabases(client).catch(() => []));
  } catch (error) {
    throw connectFailure(error, shown, password, connectMs);
  } finally {
    await client.end().catch(() => undefined);
  }
  if (!role.superuser && !role.createdb) {
    throw new InfrastructureError(
      `the role ${role.name} on ${shown} may not create databases, and migtest runs every case in a scratch database of its own`,
      `as a superuser: ALTER ROLE ${roleIdent(role.name)} CREATEDB; or use a role that has CREATEDB`,
    );
  }

  let session: ServerSession | undefined;
  const adminDatabase = config.database ?? role.name;
  session = await ServerSession.open({
    provider: 'url',
    base: config,
    adminDatabase,
    dropOnStop: true,
    ...(options.limits ? { limits: options.limits } : {}),
    shutdown: async () => undefined,
    shutdownSync: () => dropSync({ ...config, database: adminDatabase }, session?.databases ?? []),
  });
  if (options.major !== undefined && session.major !== options.major) {
    const found = session;
    await found.stop();
    throw new InfrastructureError(
      `the server at ${shown} runs PostgreSQL ${found.version}, not the ${options.major} that --pg asks for`,
      `use --pg ${found.major}, or leave --pg out with --provider url`,
    );
  }
  return session;
}

/**
 * Why the first connection failed, said so that a url at something that is not a PostgreSQL
 * server (an HTTP port, a socket that never answers) reads as that, not as a bad password.
 */
function connectFailure(error: unknown, shown: string, password: string | undefined, connectMs: number): InfrastructureError {
  const message = scrub(error instanceof Error ? error.message : String(error), password);
  if (/timeout expired|ETIMEDOUT/i.test(message)) {
    return new InfrastructureError(
      `cannot connect to ${shown}: no PostgreSQL answer within the connect timeout (${showDuration(connectMs)})`,
      'check that the host and port of the URL are a PostgreSQL server\'s, and that it is reachable from here',
    );
  }
  const code = (error as { code?: string }).code;
  // A server that speaks another protocol answers with bytes node-postgres cannot read, or hangs up.
  if (code === undefined && /terminated unexpectedly|unexpected|invalid|Unknown message|protocol/i.test(message)) {
    return new InfrastructureError(
      `cannot connect to ${shown}: the server there does not speak PostgreSQL's protocol (${message})`,
      'check that the host and port of the URL are a PostgreSQL server\'s, not another service',
    );
  }
  return new InfrastructureError(
    `cannot connect to ${shown}: ${message}`,
    'check the host, port, user and database of the URL, and the password (PGPASSWORD or the URL)',
  );
}

function roleIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

export const url: Provider = {
  name: 'url',
  check: (options) => void parseUrl(urlOf(options)),
  start: (options) => startUrl(options),
};
