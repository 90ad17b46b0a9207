import { afterAll, beforeAll, expect, test } from 'vitest';
import { jobsFor } from '../../src/checks/jobs.js';
import { ToolStates } from '../../src/checks/tool/states.js';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { Server } from '../../src/postgres/types.js';

let server: Server;
beforeAll(async () => {
  server = await startEmbedded({ major: 17 });
});
afterAll(async () => {
  await server?.stop();
});

// A real tool's cases run at once as a model's do: `--jobs` reaches them, and without it the same
// default bound by the server's free connections applies.
test('--jobs reaches a real tool\'s cases; without it, the default bound', async () => {
  const tool = { command: 'true', dir: '.', timeoutMs: 10_000 };
  expect(await new ToolStates(server, tool, [], 3).jobs()).toBe(3);
  const connections = await server.connections!();
  expect(await new ToolStates(server, tool, []).jobs()).toBe(jobsFor(undefined, connections));
});
