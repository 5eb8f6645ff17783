#!/usr/bin/env node
import { runCli } from '../dist/cli/index.js';

runCli(process.argv)
  .catch((error) => {
    process.stderr.write(`portico: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    // A worker of `serve --workers` that failed to start: its channel to the primary would keep it
    // alive, serving nothing, and the primary would never see it fail.
    if (process.exitCode !== undefined && process.exitCode !== 0 && process.connected) {
      process.disconnect();
    }
  });
