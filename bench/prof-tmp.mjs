import { startEmbedded } from '../dist/postgres/embedded.js';
import { initParser } from '../dist/migrations/split.js';
import { loadSet } from '../dist/migrations/load.js';
import { runnerModel } from '../dist/runners/registry.js';
import { States } from '../dist/checks/states.js';
import { down } from '../dist/checks/down.js';
await initParser();
const model = runnerModel('golang-migrate');
const set = await loadSet('/tmp/downset45', 'golang-migrate');
const server = await startEmbedded({ major: 17 });
const totals = {};
const wrap = (obj, name, label) => { const f = obj[name]; obj[name] = async function (...a) { const t = performance.now(); try { return await f.apply(this, a); } finally { const d = performance.now() - t; totals[label] = totals[label] ?? [0,0]; totals[label][0] += d; totals[label][1]++; } }; };
wrap(States.prototype, 'hash', 'hash'); wrap(States.prototype, 'copy', 'copy'); const f0 = States.prototype.fresh; States.prototype.fresh = function () { if (!globalThis.__shown) { globalThis.__shown = 1; console.log(new Error('fresh').stack.split('\n').slice(1, 8).join('\n')); } return f0.call(this); }; wrap(States.prototype, 'fresh', 'fresh');
wrap(model, 'run', 'run'); wrap(model.down, 'step', 'step'); wrap(server, 'createDatabase', 'createDatabase'); wrap(States.prototype, 'drop', 'drop');
for (let i = 0; i < 2; i++) {
  for (const k of Object.keys(totals)) delete totals[k];
  const states = new States(server, model, model.plan(set, {}), { runnerOptions: {} });
  const t = performance.now();
  const o = await down.run({ set, model, server, states, options: {}, reproduce: () => '' });
  const total = performance.now() - t;
  await states.close();
  console.log(o.status, total.toFixed(0), Object.fromEntries(Object.entries(totals).map(([k, [d, n]]) => [k, `${d.toFixed(0)} ms / ${n}`])));
}
await server.stop();
