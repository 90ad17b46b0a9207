#!/usr/bin/env node
// `dbmate …` as the npm package runs it: the platform binary, with the arguments, stdio and exit code passed through.
const { spawnSync } = require('node:child_process');

const binary = require.resolve('@dbmate/linux-x64/bin/dbmate', { paths: [process.cwd(), __dirname] });
const result = spawnSync(binary, process.argv.slice(2), { stdio: 'inherit' });
if (result.error) {
  console.error(`dbmate: ${result.error.message}`);
  process.exit(127);
}
process.exit(result.status ?? 1);
