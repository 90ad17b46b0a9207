import { randomBytes } from 'node:crypto';
import { InputError } from '../migrations/types.js';
import { roleTaken } from './cluster-roles.js';
import { ident } from './server.js';
import type { DatabaseHandle, Login } from './types.js';

/*
 * `--role NAME`: the set runs as a role that is no superuser and owns the case's database, as a
 * production deploy user does. Row-level security then applies to it (with FORCE, even as the
 * tables' owner), and privileges it lacks fail as they would in production. migtest makes the
 * role once per server (LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS, a password only
 * this run knows) and gives it each case's database; snapshots still read as the superuser.
 */

/** Role names migtest will not run a set as: PostgreSQL's own, and the servers' superuser. */
export function refuseRole(role: string): void {
  if (role === '' || role.length > 63 || role.startsWith('pg_') || role === 'postgres' || role === 'public') {
    throw new InputError(
      `--role ${JSON.stringify(role)} cannot be the role a set runs as: a name of 1 to 63 bytes that is not postgres, public or pg_…`,
      undefined,
      undefined,
      undefined,
      'name the deploy role of production, e.g. --role app_owner',
    );
  }
}

export class RunAs {
  #login: Promise<Login> | undefined;

  constructor(readonly role: string) {}

  /** `db` reached as the role, which owns it from now on. */
  async handle(db: DatabaseHandle): Promise<DatabaseHandle> {
    if (!db.as) throw new Error(`the server of ${db.name} cannot connect as another role`);
    const login = await (this.#login ??= this.create(db));
    const client = await db.connect();
    try {
      await client.query(`ALTER DATABASE ${ident(db.name)} OWNER TO ${ident(this.role)}`);
    } finally {
      await client.end();
    }
    return db.as(login);
  }

  /** The role, made on this server if it has none: never a superuser, whatever it was. */
  private async create(db: DatabaseHandle): Promise<Login> {
    const password = randomBytes(18).toString('base64url');
    const client = await db.connect();
    try {
      const role = ident(this.role);
      const options = `LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '${password}'`;
      const found = await client.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = $1', [this.role]);
      let made = false;
      if (found.rows.length === 0) {
        // Another run on the same server may create it between the look and the CREATE: then it
        // is altered like one found.
        made = await client.query(`CREATE ROLE ${role} ${options}`).then(
          () => true,
          (error: unknown) => {
            if (roleTaken(error)) return false;
            throw error;
          },
        );
      }
      if (!made) await client.query(`ALTER ROLE ${role} ${options}`);
    } finally {
      await client.end();
    }
    return { user: this.role, password };
  }
}
