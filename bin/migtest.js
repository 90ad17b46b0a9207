#!/usr/bin/env node
// Loading migtest takes a few seconds on a busy machine, before its own signal handlers exist. A
// signal in that time ends the process with the signal's exit code: nothing has been created yet.
import { constants } from 'node:os';

const early = (signal) => process.exit(128 + constants.signals[signal]);
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
for (const signal of SIGNALS) process.on(signal, early);

const { main } = await import('../dist/cli/main.js');
// main installs the run's handlers before its first await, so the early ones can go at once.
const running = main(process.argv.slice(2));
for (const signal of SIGNALS) process.off(signal, early);
process.exitCode = await running;
