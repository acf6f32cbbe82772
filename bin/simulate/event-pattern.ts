/**
 * EventBridge event pattern matching, as the EventBridge User Guide documents it:
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 *   (a pattern's fields are ANDed; a field's array of values is an OR; nested objects match nested
 *   fields; every pattern leaf is an array; a field of the event that is an array matches when any
 *   of its elements matches; matching is exact and case-sensitive; fields the pattern does not name
 *   are ignored)
 * - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 *   (prefix, suffix, equals-ignore-case, anything-but, numeric, exists, wildcard, cidr, and `$or`,
 *   whose branches are each combined with the pattern's other fields by AND)
 * Used by the simulator to deliver only the events the synthesized rules match, and by the tests.
 */

/** A pattern the matcher cannot evaluate (EventBridge would reject it at PutRule). */
export class InvalidEventPattern extends Error {}

type Json = unknown;

/** Does `event` match `pattern` (both parsed JSON)? */
export function matchesEventPattern(pattern: Record<string, Json>, event: Json): boolean {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) throw new InvalidEventPattern('a pattern must be a JSON object');
  return matchObject(pattern, event);
}

function matchObject(pattern: Record<string, Json>, value: Json): boolean {
  for (const [key, cond] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(cond) || cond.length < 2) throw new InvalidEventPattern('"$or" takes an array of at least two patterns');
      // One branch must match; the fields beside "$or" must match too (checked by this loop).
      if (!cond.some((branch) => matchObject(branch as Record<string, Json>, value))) return false;
      continue;
    }
    const field = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, Json>)[key] : undefined;
    if (Array.isArray(cond)) {
      if (!matchLeaf(cond, field, key in ((value as object) ?? {}))) return false;
    } else if (cond !== null && typeof cond === 'object') {
      if (field === null || typeof field !== 'object' || Array.isArray(field)) {
        // An absent object can still satisfy {"exists": false} leaves only.
        if (!allExistsFalse(cond as Record<string, Json>)) return false;
        continue;
      }
      if (!matchObject(cond as Record<string, Json>, field)) return false;
    } else {
      throw new InvalidEventPattern(`the value of "${key}" must be an array or an object`);
    }
  }
  return true;
}

function allExistsFalse(pattern: Record<string, Json>): boolean {
  return Object.values(pattern).every((c) => (Array.isArray(c)
    ? c.some((x) => isOperator(x) && (x as any).exists === false)
    : c !== null && typeof c === 'object' && allExistsFalse(c as Record<string, Json>)));
}

function isOperator(x: Json): boolean {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** A leaf: an array of alternatives against the event's value (a scalar, an array of scalars, or absent). */
function matchLeaf(alternatives: Json[], value: Json, present: boolean): boolean {
  const values: Json[] = Array.isArray(value) ? value : [value];
  return alternatives.some((alt) => {
    if (isOperator(alt)) {
      const op = alt as Record<string, Json>;
      if ('exists' in op) {
        const leaf = present && value !== undefined && !(value !== null && typeof value === 'object' && !Array.isArray(value));
        return op.exists === true ? leaf : !present;
      }
      if (!present) return false;
      return values.some((v) => matchOperator(op, v));
    }
    if (!present) return false;
    return values.some((v) => v === alt);
  });
}

function matchOperator(op: Record<string, Json>, v: Json): boolean {
  const [name, arg] = Object.entries(op)[0] ?? [];
  switch (name) {
    case 'prefix':
      if (isOperator(arg)) return typeof v === 'string' && v.toLowerCase().startsWith(String((arg as any)['equals-ignore-case']).toLowerCase());
      return typeof v === 'string' && v.startsWith(String(arg));
    case 'suffix':
      if (isOperator(arg)) return typeof v === 'string' && v.toLowerCase().endsWith(String((arg as any)['equals-ignore-case']).toLowerCase());
      return typeof v === 'string' && v.endsWith(String(arg));
    case 'equals-ignore-case':
      return typeof v === 'string' && v.toLowerCase() === String(arg).toLowerCase();
    case 'wildcard': {
      if (typeof v !== 'string') return false;
      const re = new RegExp(`^${String(arg).split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
      return re.test(v);
    }
    case 'anything-but': {
      if (Array.isArray(arg)) return !arg.includes(v);
      if (isOperator(arg)) return !matchOperator(arg as Record<string, Json>, v);
      return v !== arg;
    }
    case 'numeric': {
      if (typeof v !== 'number' || !Array.isArray(arg)) return false;
      for (let i = 0; i < arg.length; i += 2) {
        const [cmp, n] = [String(arg[i]), Number(arg[i + 1])];
        const ok = cmp === '=' ? v === n : cmp === '<' ? v < n : cmp === '<=' ? v <= n : cmp === '>' ? v > n : cmp === '>=' ? v >= n : false;
        if (!ok) return false;
      }
      return true;
    }
    case 'cidr': {
      if (typeof v !== 'string') return false;
      const [base, bits] = String(arg).split('/');
      const toInt = (ip: string) => ip.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(v)) return false;
      const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
      return (toInt(v) & mask) === (toInt(base) & mask);
    }
    default:
      throw new InvalidEventPattern(`unknown operator ${JSON.stringify(op)}`);
  }
}
