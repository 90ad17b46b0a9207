import { describe, expect, it } from 'vitest';
import { lineageOf, parkedName, reconcileRoles, type RoleState } from '../../src/postgres/cluster-roles.js';

const role = (oid: number, name: string, options = 'NOLOGIN', password: string | null = null): RoleState => ({ oid, name, options, password });

describe('reconcileRoles', () => {
  it('parks a role of another lineage and leaves roles it does not manage alone', () => {
    const current = [role(10, 'postgres'), role(20, 'reporting')];
    expect(reconcileRoles(current, [], new Set([20]))).toEqual(['ALTER ROLE "reporting" RENAME TO "migtest_parked_20"']);
  });

  it('moves a role out of the way before another gets that name back', () => {
    // Case B made its own "reporting" (oid 30); the state now entered is case A's, whose is oid 20.
    const current = [role(20, parkedName(20)), role(30, 'reporting')];
    expect(reconcileRoles(current, [role(20, 'reporting')], new Set([20, 30]))).toEqual([
      'ALTER ROLE "reporting" RENAME TO "migtest_parked_30"',
      'ALTER ROLE "migtest_parked_20" RENAME TO "reporting"',
    ]);
  });

  it('gives attributes and a password hash back, and makes a dropped role anew', () => {
    const current = [role(20, 'reporting', 'LOGIN')];
    const wanted = [role(20, 'reporting', 'NOLOGIN', 'SCRAM-SHA-256$4096:x'), role(40, 'app', 'LOGIN')];
    expect(reconcileRoles(current, wanted, new Set([20, 40]))).toEqual([
      'ALTER ROLE "reporting" WITH NOLOGIN',
      `ALTER ROLE "reporting" WITH PASSWORD 'SCRAM-SHA-256$4096:x'`,
      'CREATE ROLE "app" WITH LOGIN',
    ]);
  });

  it('does nothing when the server is as the lineage left it', () => {
    const roles = [role(20, 'reporting')];
    expect(reconcileRoles(roles, roles, new Set([20]))).toEqual([]);
  });

  it('a lineage records managed roles under their own names, never parked ones', () => {
    expect(lineageOf([role(10, 'postgres'), role(20, 'reporting'), role(30, parkedName(30))], new Set([20, 30]))).toEqual([role(20, 'reporting')]);
  });
});
