import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { containerLabel, dockerAvailable, startContainer } from '../../src/postgres/container.js';
import { providerContract } from './providers-contract.js';
import { BIN, migtest, ROOT } from '../helpers/cli.js';

/**
 * Needs a Docker engine and a PostgreSQL image on the machine: `.ci/run` starts dockerd, builds
 * migtest/postgres:15 (also tagged postgres:15) and sets MIGTEST_REQUIRE_DOCKER=1, so there these
 * tests never skip. Elsewhere, without an engine or the image, they skip and say why.
 */
const IMAGE = process.env.MIGTEST_TEST_IMAGE ?? 'postgres:15';
const required = process.env.MIGTEST_REQUIRE_DOCKER === '1';
/** The command-line runs name the image with {pg} (postgres:{pg} --pg 15), so the placeholder is tested too. */
const tagged = /^(.*):(\d{2})$/.exec(IMAGE);
const CLI_IMAGE = tagged ? ['--image', `${tagged[1]}:{pg}`, '--pg', tagged[2]!] : ['--image', IMAGE];

function docker(args: string[]): string {
  return execFileSync('docker', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
}

async function missing(): Promise<string | undefined> {
  const engine = await dockerAvailable();
  if (!engine.ok) return `no Docker engine answers (${engine.reason.split('\n')[0]})`;
  try {
    docker(['image', 'inspect', IMAGE]);
  } catch {
    return `the image ${IMAGE} is not on this machine (build it: bash scripts/postgres-image/build.sh)`;
  }
  return undefined;
}

const why = await missing();
if (why && !required) {
  console.warn(`container provider tests skipped: ${why}. Set MIGTEST_REQUIRE_DOCKER=1 to make this a failure.`);
}

/**
 * Runs the CLI on the container provider and sends `signal` once stdout matches `when`, or, for
 * `created`, once its container exists (its start still under way).
 */
function interrupt(signal: NodeJS.Signals, when: RegExp | 'created'): Promise<{ code: number | null; sent: boolean }> {
  const child = spawn(
    process.execPath,
    [BIN, 'check', 'migrations-under-test/certctl-double-run/fixed', '--runner', 'rerun-all', '--checks', 'fresh,twice,resume', '--provider', 'container', '--image', IMAGE],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let sent = false;
  const send = (): void => {
    if (sent || child.exitCode !== null) return;
    sent = true;
    child.kill(signal);
  };
  const poll =
    when === 'created'
      ? setInterval(() => {
          if (leftoverContainers(true).length > 0) send();
        }, 50)
      : undefined;
  return new Promise((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (when !== 'created' && when.test(stdout)) send();
    });
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ code, sent });
    });
  });
}

/** Containers of migtest runs other than this test process's own shared one. */
function leftoverContainers(keepOwn: boolean): string[] {
  const lines = docker(['ps', '-a', '--filter', `label=${containerLabel.key}`, '--format', `{{.ID}} {{.Label "${containerLabel.key}"}}`]);
  return lines
    .split('\n')
    .filter(Boolean)
    .filter((line) => !(keepOwn && line.endsWith(` ${containerLabel.value}`)));
}

describe.skipIf(why !== undefined && !required)('container provider', () => {
  it('has what it needs: a Docker engine and the image', () => {
    expect(why).toBeUndefined();
  });

  providerContract({
    provider: 'container',
    start: () => startContainer({ image: IMAGE }),
    request: { image: IMAGE },
    cliArgs: ['--provider', 'container', ...CLI_IMAGE],
    crashes: true,
    leftovers: async (own) => leftoverContainers(own.length > 0),
  });

  it('SIGTERM while the container starts, and SIGINT while checks run: no container is left', async () => {
    const starting = await interrupt('SIGTERM', 'created');
    expect(starting).toEqual({ code: 143, sent: true });
    expect(leftoverContainers(true)).toEqual([]);
    const running = await interrupt('SIGINT', /ready in/);
    expect(running).toEqual({ code: 130, sent: true });
    expect(leftoverContainers(true)).toEqual([]);
  });

  it('a process that exits without stopping still removes its container (the exit handler)', () => {
    const script = `
      const { startContainer } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/postgres/container.js')).href)});
      await startContainer({ image: ${JSON.stringify(IMAGE)} });
      process.exit(0);`;
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { stdio: 'pipe' });
    expect(leftoverContainers(true)).toEqual([]);
  });

  it('refuses several --pg versions for one image without {pg}, before starting anything', async () => {
    const result = await migtest(['check', 'migrations-under-test/certctl-double-run/fixed', '--runner', 'rerun-all', '--provider', 'container', '--image', IMAGE, '--pg', '15,16']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--image ${IMAGE} is one image, but --pg asks for 2 versions (15,16)`);
    expect(result.stderr).toContain("fix: put {pg} where the version goes, e.g. --image 'postgres:{pg}'");
  });

  it('refuses an image whose server is not the --pg version, and removes its container', async () => {
    const result = await migtest(['check', 'migrations-under-test/certctl-double-run/fixed', '--runner', 'rerun-all', '--provider', 'container', '--image', IMAGE, '--pg', '17']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`the image ${IMAGE} runs PostgreSQL 15\\.\\d+, not the 17 that --pg asks for`));
    expect(leftoverContainers(true)).toEqual([]);
  });
});
