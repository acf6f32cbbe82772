/** Reading features out of capture records (see lib/capture-record.ts). */

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parsed path segments, cached per path string. */
const PATHS = new Map<string, (string | number)[]>();

/**
 * Parses a JSON path: dot-separated keys with `[n]` array indexes and `["key"]` quoted keys,
 * optionally starting with `$` (the record root), e.g. `request.features`,
 * `$.request.instances[0]`, `request["feature map"]`.
 */
export function parseJsonPath(path: string): (string | number)[] {
  const cached = PATHS.get(path);
  if (cached) return cached;
  const out: (string | number)[] = [];
  let i = 0;
  let p = path.trim();
  if (p.startsWith('$')) p = p.slice(1);
  while (i < p.length) {
    const ch = p[i];
    if (ch === '.') {
      i++;
      continue;
    }
    if (ch === '[') {
      const close = p.indexOf(']', i);
      if (close < 0) throw new Error(`invalid JSON path "${path}": unclosed [`);
      const inner = p.slice(i + 1, close).trim();
      if (/^\d+$/.test(inner)) out.push(Number(inner));
      else if (/^(["']).*\1$/.test(inner)) out.push(inner.slice(1, -1));
      else throw new Error(`invalid JSON path "${path}": [${inner}] must be an index or a quoted key`);
      i = close + 1;
      continue;
    }
    let j = i;
    while (j < p.length && p[j] !== '.' && p[j] !== '[') j++;
    out.push(p.slice(i, j));
    i = j;
  }
  PATHS.set(path, out);
  return out;
}

function decodeBase64Json(s: string): unknown {
  const bin = atob(s);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** An array of values becomes an object keyed by index ("0", "1", …). */
function asFeatures(v: unknown): Record<string, unknown> | undefined {
  if (isPlainObject(v)) return v;
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) {
    const o: Record<string, unknown> = {};
    v.forEach((x, i) => { o[String(i)] = x; });
    return o;
  }
  return undefined;
}

/**
 * The feature values of one capture record, or undefined when the record is malformed
 * (not an object, no request, or nothing at the path).
 *
 * With `jsonPath` (from the record root, e.g. `request.features` or `$.request.instances[0]`)
 * the value there is used. Without it: `request.features` when that is an object, else
 * `request.instances[0]` when that exists, else `request` itself. A request with
 * `encoding: "base64"` is decoded and parsed as JSON first. An array of scalars is read
 * as features named by index ("0", "1", …).
 */
export function featuresFromCaptureRecord(record: unknown, jsonPath?: string): Record<string, unknown> | undefined {
  if (!isPlainObject(record)) return undefined;
  let req: unknown = record.request;
  if (record.encoding === 'base64' && typeof req === 'string') {
    try {
      req = decodeBase64Json(req);
    } catch {
      return undefined;
    }
  }
  if (jsonPath !== undefined && jsonPath !== '') {
    let cur: unknown = { ...record, request: req };
    for (const seg of parseJsonPath(jsonPath)) {
      if (cur === null || typeof cur !== 'object') return undefined;
      cur = (cur as any)[seg];
    }
    return asFeatures(cur);
  }
  if (!isPlainObject(req)) return asFeatures(req);
  if (isPlainObject(req.features)) return req.features;
  if (Array.isArray(req.instances) && req.instances.length > 0) return asFeatures(req.instances[0]);
  return req;
}
