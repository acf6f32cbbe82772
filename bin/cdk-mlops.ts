#!/usr/bin/env node
// The cdk-mlops command line. Each subcommand lives in bin/commands/<name>.ts
// and exports `run(argv: string[]): Promise<number>` (the exit code).
import { COMMANDS } from './commands';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    printUsage();
    return name ? 0 : 1;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`cdk-mlops: unknown command "${name}"`);
    printUsage();
    return 2;
  }
  return command.run(rest);
}

function printUsage(): void {
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`);
  console.error(['usage: cdk-mlops <command> [options]', '', 'commands:', ...lines].join('\n'));
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`cdk-mlops: ${err instanceof Error ? err.message : String(err)}`); process.exitCode = 1; },
);
