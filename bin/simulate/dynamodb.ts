/**
 * A small in-memory DynamoDB table with the semantics the state machines rely
 * on: GetItem, PutItem and UpdateItem with ConditionExpression (AND, OR, NOT,
 * parentheses, comparisons, attribute_exists / attribute_not_exists) and
 * UpdateExpression (SET with `+`/`-`, REMOVE, ADD). Items are kept in
 * DynamoDB JSON (`{"S": "..."}`, `{"N": "..."}`).
 */

export type AttributeValue = { S?: string; N?: string; BOOL?: boolean; NULL?: boolean; L?: AttributeValue[]; M?: Record<string, AttributeValue> };
export type Item = Record<string, AttributeValue>;

/** An error as the Step Functions DynamoDB integration reports it. */
export function ddbError(name: string, message: string): Error {
  const e = new Error(message);
  e.name = `DynamoDB.${name}`;
  return e;
}

export class SimTable {
  public readonly items = new Map<string, Item>();

  constructor(public readonly name: string, private readonly hashKey = 'pk') {}

  public getItem(req: any): any {
    const item = this.items.get(this.keyOf(req.Key));
    return item ? { Item: clone(item) } : {};
  }

  public putItem(req: any): any {
    const key = this.keyOf({ [this.hashKey]: req.Item[this.hashKey] });
    const old = this.items.get(key);
    if (req.ConditionExpression && !evaluateCondition(
      req.ConditionExpression,
      old,
      req.ExpressionAttributeValues ?? {},
      req.ExpressionAttributeNames ?? {},
    )) {
      throw ddbError('ConditionalCheckFailedException', 'The conditional request failed');
    }
    this.items.set(key, clone(req.Item));
    return {};
  }

  public updateItem(req: any): any {
    const key = this.keyOf(req.Key);
    const old = this.items.get(key);
    const values = req.ExpressionAttributeValues ?? {};
    const names = req.ExpressionAttributeNames ?? {};
    if (req.ConditionExpression && !evaluateCondition(req.ConditionExpression, old, values, names)) {
      throw ddbError('ConditionalCheckFailedException', 'The conditional request failed');
    }
    const item: Item = old ? clone(old) : clone(req.Key);
    applyUpdate(req.UpdateExpression ?? '', item, values, names);
    this.items.set(key, item);
    return {};
  }

  private keyOf(key: Item): string {
    const v = key?.[this.hashKey];
    if (!v || (v.S === undefined && v.N === undefined)) throw ddbError('ValidationException', `missing key ${this.hashKey}`);
    return v.S ?? `#${v.N}`;
  }
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v));
}

// ---- expressions -------------------------------------------------------------------

type Tok = { t: 'id' | 'val' | 'name' | 'op' | 'lp' | 'rp' | 'comma' | 'kw'; v: string };

function tokenize(expr: string): Tok[] {
  const out: Tok[] = [];
  const re = /\s*(?:(<>|<=|>=|=|<|>|\+|-)|(\()|(\))|(,)|(:[A-Za-z0-9_]+)|(#[A-Za-z0-9_]+)|([A-Za-z_][A-Za-z0-9_.]*))/y;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < expr.length) {
    re.lastIndex = pos;
    m = re.exec(expr);
    if (!m || m[0].length === 0) {
      if (/^\s*$/.test(expr.slice(pos))) break;
      throw ddbError('ValidationException', `cannot parse expression at "${expr.slice(pos)}"`);
    }
    pos = re.lastIndex;
    if (m[1]) out.push({ t: 'op', v: m[1] });
    else if (m[2]) out.push({ t: 'lp', v: '(' });
    else if (m[3]) out.push({ t: 'rp', v: ')' });
    else if (m[4]) out.push({ t: 'comma', v: ',' });
    else if (m[5]) out.push({ t: 'val', v: m[5] });
    else if (m[6]) out.push({ t: 'name', v: m[6] });
    else if (m[7]) {
      const up = m[7].toUpperCase();
      out.push(['AND', 'OR', 'NOT', 'SET', 'REMOVE', 'ADD', 'DELETE'].includes(up) ? { t: 'kw', v: up } : { t: 'id', v: m[7] });
    }
  }
  return out;
}

function resolveName(tok: Tok, names: Record<string, string>): string {
  return tok.t === 'name' ? (names[tok.v] ?? tok.v) : tok.v;
}

function compare(a: AttributeValue | undefined, b: AttributeValue | undefined): number | undefined {
  if (!a || !b) return undefined;
  if (a.N !== undefined && b.N !== undefined) return Number(a.N) - Number(b.N);
  if (a.S !== undefined && b.S !== undefined) return a.S < b.S ? -1 : a.S > b.S ? 1 : 0;
  if (a.BOOL !== undefined && b.BOOL !== undefined) return a.BOOL === b.BOOL ? 0 : undefined;
  return undefined;
}

/** Evaluates a ConditionExpression against an item (undefined = no item). */
export function evaluateCondition(
  expr: string,
  item: Item | undefined,
  values: Record<string, AttributeValue>,
  names: Record<string, string>,
): boolean {
  const toks = tokenize(expr);
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++];
  const operand = (): AttributeValue | undefined => {
    const t = next();
    if (!t) throw ddbError('ValidationException', 'unexpected end of condition');
    if (t.t === 'val') {
      if (!(t.v in values)) throw ddbError('ValidationException', `value ${t.v} not defined`);
      return values[t.v];
    }
    if (t.t === 'id' || t.t === 'name') return item?.[resolveName(t, names)];
    throw ddbError('ValidationException', `unexpected ${t.v}`);
  };
  const primary = (): boolean => {
    const t = peek();
    if (t?.t === 'lp') {
      next();
      const v = orExpr();
      if (next()?.t !== 'rp') throw ddbError('ValidationException', 'missing )');
      return v;
    }
    if (t?.t === 'kw' && t.v === 'NOT') {
      next();
      return !primary();
    }
    if (t?.t === 'id' && (t.v === 'attribute_exists' || t.v === 'attribute_not_exists') && toks[i + 1]?.t === 'lp') {
      next(); next();
      const p = next();
      if (!p || next()?.t !== 'rp') throw ddbError('ValidationException', 'bad function call');
      const present = item !== undefined && item[resolveName(p, names)] !== undefined;
      return t.v === 'attribute_exists' ? present : !present;
    }
    const a = operand();
    const op = next();
    if (op?.t !== 'op') throw ddbError('ValidationException', 'expected a comparator');
    const b = operand();
    const c = compare(a, b);
    if (c === undefined) return op.v === '<>';
    switch (op.v) {
      case '=': return c === 0;
      case '<>': return c !== 0;
      case '<': return c < 0;
      case '<=': return c <= 0;
      case '>': return c > 0;
      case '>=': return c >= 0;
      default: throw ddbError('ValidationException', `bad comparator ${op.v}`);
    }
  };
  const andExpr = (): boolean => {
    let v = primary();
    while (peek()?.t === 'kw' && peek().v === 'AND') { next(); const r = primary(); v = v && r; }
    return v;
  };
  const orExpr = (): boolean => {
    let v = andExpr();
    while (peek()?.t === 'kw' && peek().v === 'OR') { next(); const r = andExpr(); v = v || r; }
    return v;
  };
  const result = orExpr();
  if (i !== toks.length) throw ddbError('ValidationException', `trailing tokens in condition "${expr}"`);
  return result;
}

/** Applies an UpdateExpression to an item in place. */
export function applyUpdate(expr: string, item: Item, values: Record<string, AttributeValue>, names: Record<string, string>): void {
  const toks = tokenize(expr);
  let i = 0;
  let clause = '';
  const value = (t: Tok): AttributeValue | undefined => {
    if (t.t === 'val') {
      if (!(t.v in values)) throw ddbError('ValidationException', `value ${t.v} not defined`);
      return values[t.v];
    }
    return item[resolveName(t, names)];
  };
  while (i < toks.length) {
    const t = toks[i];
    if (t.t === 'kw' && ['SET', 'REMOVE', 'ADD', 'DELETE'].includes(t.v)) { clause = t.v; i++; continue; }
    if (t.t === 'comma') { i++; continue; }
    const path = resolveName(toks[i++], names);
    if (clause === 'SET') {
      if (toks[i++]?.v !== '=') throw ddbError('ValidationException', 'SET needs =');
      let v = value(toks[i++]);
      while (toks[i]?.t === 'op' && (toks[i].v === '+' || toks[i].v === '-')) {
        const op = toks[i++].v;
        const r = value(toks[i++]);
        if (v?.N === undefined || r?.N === undefined) throw ddbError('ValidationException', 'arithmetic on a non-number');
        v = { N: String(op === '+' ? Number(v.N) + Number(r.N) : Number(v.N) - Number(r.N)) };
      }
      if (v === undefined) throw ddbError('ValidationException', `SET ${path} from a missing attribute`);
      item[path] = v;
    } else if (clause === 'REMOVE') {
      delete item[path];
    } else if (clause === 'ADD') {
      const v = value(toks[i++]);
      const cur = item[path];
      item[path] = { N: String(Number(cur?.N ?? 0) + Number(v?.N ?? 0)) };
    } else {
      throw ddbError('ValidationException', `unsupported clause ${clause || '(none)'}`);
    }
  }
}
