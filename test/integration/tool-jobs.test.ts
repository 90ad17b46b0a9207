import { expect, test } from 'vitest';
import { jobsFor } from '../../src/checks/jobs.js';
import { ToolStates } from '../../src/checks/tool/states.js';
import { sharedServer } from '../helpers/shared-server.js';

const shared = sharedServer();

// A real tool's cases run at once as a model's do: `--jobs` reaches them, and without it the same
// default bound by the server's free connections applies.
test('--jobs reaches a real tool\'s cases; without it, the default bound', async () => {
  const server = shared.server();
  const tool = { command: 'true', dir: '.', timeoutMs: 10_000 };
  expect(await new ToolStates(server, tool, [], 3).jobs()).toBe(3);
  const connections = await server.connections!();
  expect(await new ToolStates(server, tool, []).jobs()).toBe(jobsFor(undefined, connections));
});
