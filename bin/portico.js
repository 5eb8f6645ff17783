#!/usr/bin/env node
import { runCli } from '../dist/cli/index.js';

runCli(process.argv).catch((error) => {
  process.stderr.write(`portico: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
