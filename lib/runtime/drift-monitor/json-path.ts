/**
 * Reads a value by a simple path: dot-separated keys with optional `[n]`
 * indexes, e.g. `predictions[0].score`. The empty path returns the value itself.
 */
export function getPath(value: unknown, path: string): unknown {
  if (path === '' || path === '$') return value;
  const tokens: Array<string | number> = [];
  for (const part of path.replace(/^\$\.?/, '').split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    if (m[1]) tokens.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) tokens.push(Number(idx[1]));
  }
  let cur: any = value;
  for (const t of tokens) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = typeof t === 'number' ? (Array.isArray(cur) ? cur[t] : undefined) : cur[t];
  }
  return cur;
}
