/** One JSON object per line on stdout (what the cluster's log pipeline expects). */
export function log(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), level, component: 'capture-sidecar', msg, ...fields }) + '\n');
}

export function errorText(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { name?: string; code?: string; message?: string };
    return [e.name, e.code, e.message].filter((x) => x).join(': ');
  }
  return String(err);
}
