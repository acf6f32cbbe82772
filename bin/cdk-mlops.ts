#!/usr/bin/env node
// The cdk-mlops command line. Each subcommand lives in bin/commands/<name>.ts and is
// registered in bin/commands/index.ts (which documents how to add one).
import { reportError, runCli } from './commands';

runCli(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.exitCode = reportError(err); },
);
