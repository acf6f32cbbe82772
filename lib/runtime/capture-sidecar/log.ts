/** One JSON object per line on stdout (what the cluster's log pipeline expects). */
let stdoutBroken = false;
// EPIPE and friends: whoever read our logs went away. Keep serving (and do not turn
// every later log line into another uncaught error).
process.stdout.on('error', () => {
  stdoutBroken = true;
});

export function log(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
  if (stdoutBroken) return;
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), level, component: 'capture-sidecar', msg, ...fields }) + '\n');
}

export function errorText(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { name?: string; code?: string; message?: string };
    return [e.name, e.code, e.message].filter((x) => x).join(': ');
  }
  return String(err);
}
