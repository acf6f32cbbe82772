import { runCli, runCommand } from '../../bin/commands';

/** What an in-process CLI run printed, and its exit code. */
export interface CliRun {
  readonly code: number;
  /** Standard output: console.log / console.info lines and process.stdout.write chunks, in order (no trailing newline). */
  readonly out: string;
  /** Standard error: console.error lines. */
  readonly err: string;
}

/**
 * Runs `cdk-mlops <command> ...argv` in-process (or the dispatcher itself when `command` is undefined)
 * and captures what it prints; the console and stdout are restored afterwards, even on a throw.
 */
export async function runCliCapture(command: string | undefined, argv: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const line = (...a: unknown[]): void => { out.push(`${a.join(' ')}\n`); };
  const spies = [
    jest.spyOn(console, 'log').mockImplementation(line),
    jest.spyOn(console, 'info').mockImplementation(line),
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; }),
    jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { err.push(a.join(' ')); }),
  ];
  try {
    const code = command === undefined ? await runCli(argv) : await runCommand(command, argv);
    return { code, out: out.join('').replace(/\n$/, ''), err: err.join('\n') };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
