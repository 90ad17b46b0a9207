import { describe, expect, it } from 'vitest';
import { imageFor } from '../../src/postgres/container.js';
import { serverStarts } from '../../src/postgres/providers.js';
import { maskUrl, parseUrl, urlWithoutPassword } from '../../src/postgres/url.js';
import type { RunRequest } from '../../src/run.js';
import { reproduceCommand } from '../../src/reproduce.js';
import { displayText } from '../../src/report/paths.js';

describe('which servers a run starts', () => {
  const starts = (provider: string, majors: number[], extra: { image?: string; url?: string } = {}) =>
    serverStarts({ provider, ...extra }, majors).starts;

  it('embedded: one per --pg version, 17 without one', () => {
    expect(starts('embedded', [15, 17])).toEqual([{ major: 15 }, { major: 17 }]);
    expect(starts('embedded', [])).toEqual([{ major: 17 }]);
  });

  it('container: {pg} gives one image per version; an image without it is one server of its own version', () => {
    expect(starts('container', [15, 16], { image: 'postgres:{pg}' })).toEqual([
      { image: 'postgres:{pg}', major: 15 },
      { image: 'postgres:{pg}', major: 16 },
    ]);
    expect(starts('container', [])).toEqual([{ image: 'postgres:{pg}', major: 17 }]);
    expect(starts('container', [], { image: 'postgis/postgis:16-3.4' })).toEqual([{ image: 'postgis/postgis:16-3.4' }]);
    expect(starts('container', [16], { image: 'postgis/postgis:16-3.4' })).toEqual([{ image: 'postgis/postgis:16-3.4', major: 16 }]);
    expect(() => starts('container', [15, 16], { image: 'postgis/postgis:16-3.4' })).toThrow('--image postgis/postgis:16-3.4 is one image, but --pg asks for 2 versions (15,16)');
    expect(imageFor('registry.local/pg:{pg}-alpine', 18)).toBe('registry.local/pg:18-alpine');
  });

  it('url: one server; options of the other providers are refused', () => {
    expect(starts('url', [], { url: 'postgres://a@h/db' })).toEqual([{ url: 'postgres://a@h/db' }]);
    expect(() => starts('url', [15, 16], { url: 'postgres://a@h/db' })).toThrow('--provider url is one server, but --pg asks for 2 versions (15,16)');
    expect(() => starts('url', [], { image: 'postgres:15', url: 'postgres://a@h/db' })).toThrow('--image is for --provider container, not url');
    expect(() => starts('embedded', [], { url: 'postgres://a@h/db' })).toThrow('--url is for --provider url, not embedded');
    expect(() => starts('kubernetes', [])).toThrow("unknown provider 'kubernetes'");
  });
});

describe('urls and passwords', () => {
  it('masks the password, also one with characters a URL escapes', () => {
    expect(maskUrl('postgres://app:p%40ss%2Fw0rd@db.internal:6543/orders?sslmode=require')).toBe('postgres://app:***@db.internal:6543/orders?sslmode=require');
    expect(maskUrl('postgres://app@db.internal/orders')).toBe('postgres://app@db.internal/orders');
    expect(maskUrl('app:secret host=db')).not.toContain('secret');
    expect(urlWithoutPassword('postgres://app:p%40ss@db.internal/orders')).toBe('postgres://app@db.internal/orders');
  });

  it('masks a password given as a query parameter (node-postgres reads password and sslpassword there), and leaves it out of a reproduce command', () => {
    const url = 'postgres://app@db.internal/orders?sslmode=require&password=hunter2&sslpassword=s3cret';
    expect(maskUrl(url)).toBe('postgres://app@db.internal/orders?sslmode=require&password=***&sslpassword=***');
    expect(urlWithoutPassword(url)).toBe('postgres://app@db.internal/orders?sslmode=require');
    expect(() => parseUrl(url.replace('postgres:', 'mysql:'))).toThrow('not mysql://app@db.internal/orders?sslmode=require&password=***&sslpassword=***');
    const request: RunRequest = { dir: 'sets/a', runner: 'rerun-all', checks: ['twice'], postgres: [], provider: 'url', options: {}, url };
    expect(displayText(reproduceCommand(request, 'twice', 16))).not.toMatch(/hunter2|s3cret/);
  });

  it('refuses what is not a postgres URL without echoing its password', () => {
    expect(() => parseUrl('mysql://app:hunter2@db/orders')).toThrow('--url takes a postgres:// URL, not mysql://app:***@db/orders');
    expect(parseUrl('postgresql://app:p%40ss@db.internal:6543/orders')).toMatchObject({ user: 'app', password: 'p@ss', host: 'db.internal', port: 6543, database: 'orders' });
  });

  it('reproduce commands carry the provider and image, and the url without its password', () => {
    const request: RunRequest = { dir: 'sets/a', runner: 'rerun-all', checks: ['twice'], postgres: [], provider: 'url', options: {}, url: 'postgres://app:hunter2@db.internal/orders' };
    expect(displayText(reproduceCommand(request, 'twice', 16))).toBe('npx migtest check sets/a --runner rerun-all --checks twice --pg 16 --provider url --url postgres://app@db.internal/orders');
    const fromEnv = { ...request, url: undefined };
    delete fromEnv.url;
    expect(displayText(reproduceCommand(fromEnv, 'twice', 16))).toBe('npx migtest check sets/a --runner rerun-all --checks twice --pg 16 --provider url');
    const container: RunRequest = { ...fromEnv, provider: 'container', image: 'postgres:{pg}' };
    expect(displayText(reproduceCommand(container, 'twice', 15))).toBe("npx migtest check sets/a --runner rerun-all --checks twice --pg 15 --provider container --image 'postgres:{pg}'");
  });
});
