/** CSV / JSON Lines readers, capture-record feature extraction and baseline validation. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BaselineBuilder, featuresFromCaptureRecord, isMissing, parseJsonPath, toNumber, validateBaseline } from '../../../lib/monitoring/engine';
import { CsvParser, LineSplitter } from '../../../lib/monitoring/engine/csv';
import { detectFormat, readSamples } from '../../../lib/monitoring/engine/readers';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-readers-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function parseCsv(chunks: string[]): { rows: Record<string, string>[]; bad: string[] } {
  const rows: Record<string, string>[] = [];
  const bad: string[] = [];
  const p = new CsvParser((r) => rows.push(r), (why) => bad.push(why));
  chunks.forEach((c) => p.write(c));
  p.end();
  return { rows, bad };
}

describe('CsvParser', () => {
  const text = '\uFEFFa,b,c\r\n1,"x, y","say ""hi"""\r\n2,"multi\nline",\r\n\r\n3,z\n4,w,"bad"x\n5,"",last';
  const expected = [
    { a: '1', b: 'x, y', c: 'say "hi"' },
    { a: '2', b: 'multi\nline', c: '' },
    { a: '5', b: '', c: 'last' },
  ];

  test('quoted fields, escaped quotes, embedded newlines, CRLF, BOM, blank lines; malformed rows counted', () => {
    const { rows, bad } = parseCsv([text]);
    expect(rows).toEqual(expected);
    expect(bad).toEqual(['2 fields, header has 3', 'stray quote']);
  });

  test('the same result for every way of splitting the input into chunks', () => {
    for (let cut = 1; cut < text.length; cut++) {
      const { rows, bad } = parseCsv([text.slice(0, cut), text.slice(cut)]);
      expect({ cut, rows, bad: bad.length }).toEqual({ cut, rows, bad: 2 });
      expect(rows).toEqual(expected);
    }
    const oneByOne = parseCsv([...text]);
    expect(oneByOne.rows).toEqual(expected);
  });

  test('an unterminated quote at the end is malformed', () => {
    expect(parseCsv(['a,b\n1,"open\n']).bad).toEqual(['stray quote']);
  });
});

test('LineSplitter: lines across chunks, CRLF, blank lines', () => {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l));
  ['{"a":', '1}\r\n\n  \n{"b"', ':2}\n{"c":3}'].forEach((c) => s.write(c));
  s.end();
  expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
});

describe('featuresFromCaptureRecord', () => {
  const base = { inferenceId: 'i1', timestamp: '2026-11-27T10:00:00.000Z', modelName: 'm', modelVersion: '1', variant: 'primary', response: {}, latencyMs: 3, status: 200, truncated: false };
  test('default: request.features, then request.instances[0], then request itself', () => {
    expect(featuresFromCaptureRecord({ ...base, request: { features: { a: 1 }, other: 2 } })).toEqual({ a: 1 });
    expect(featuresFromCaptureRecord({ ...base, request: { instances: [{ a: 2 }, { a: 3 }] } })).toEqual({ a: 2 });
    expect(featuresFromCaptureRecord({ ...base, request: { instances: [[1.5, 'x']] } })).toEqual({ 0: 1.5, 1: 'x' });
    expect(featuresFromCaptureRecord({ ...base, request: { a: 4, b: 'x' } })).toEqual({ a: 4, b: 'x' });
  });
  test('a JSON path from the record root', () => {
    const rec = { ...base, request: { inputs: { 'feature map': { a: 5 } }, instances: [{ a: 6 }, { a: 7 }] } };
    expect(featuresFromCaptureRecord(rec, 'request.instances[1]')).toEqual({ a: 7 });
    expect(featuresFromCaptureRecord(rec, '$.request.inputs["feature map"]')).toEqual({ a: 5 });
    expect(featuresFromCaptureRecord({ a: 1, b: 2 }, '$')).toEqual({ a: 1, b: 2 });
    expect(featuresFromCaptureRecord(rec, 'request.nothing.here')).toBeUndefined();
    expect(parseJsonPath("$.a['b c'][0].d")).toEqual(['a', 'b c', 0, 'd']);
    expect(() => parseJsonPath('a[b]')).toThrow(/must be an index or a quoted key/);
  });
  test('base64 requests are decoded as UTF-8 JSON', () => {
    const body = Buffer.from(JSON.stringify({ city: 'Zürich', n: 3 }), 'utf8').toString('base64');
    expect(featuresFromCaptureRecord({ ...base, request: body, encoding: 'base64' })).toEqual({ city: 'Zürich', n: 3 });
    expect(featuresFromCaptureRecord({ ...base, request: 'bm90IGpzb24=', encoding: 'base64' })).toBeUndefined();
  });
  test('malformed records', () => {
    expect(featuresFromCaptureRecord(null)).toBeUndefined();
    expect(featuresFromCaptureRecord([1, 2])).toBeUndefined();
    expect(featuresFromCaptureRecord({ ...base, request: 'text' })).toBeUndefined();
    expect(featuresFromCaptureRecord({ ...base })).toBeUndefined();
  });
});

describe('readSamples', () => {
  test('JSON Lines capture file: rows, malformed lines with reasons, columns', async () => {
    const file = path.join(dir, 'cap.jsonl');
    fs.writeFileSync(file, [
      JSON.stringify({ inferenceId: '1', request: { a: 1, b: 'x' } }),
      '{not json',
      JSON.stringify({ inferenceId: '2', request: 'plain text' }),
      '',
      JSON.stringify({ inferenceId: '3', request: { a: 2, c: true } }),
    ].join('\n'));
    const rows: unknown[] = [];
    const s = await readSamples(file, (r) => rows.push(r), { chunkSize: 7 });
    expect(s).toMatchObject({ format: 'jsonl', rows: 2, malformed: 2, columns: ['a', 'b', 'c'] });
    expect(s.malformedExamples).toEqual(['line 2: not valid JSON', 'line 3: no feature object in "request"']);
    expect(rows).toEqual([{ a: 1, b: 'x' }, { a: 2, c: true }]);
  });

  test('CSV by extension and by content; unreadable files are clear errors', async () => {
    const csv = path.join(dir, 'data.txt');
    fs.writeFileSync(csv, 'x,y\n1,2\n3\n');
    expect(detectFormat(csv)).toBe('csv');
    const rows: unknown[] = [];
    const s = await readSamples(csv, (r) => rows.push(r));
    expect(s).toMatchObject({ format: 'csv', rows: 1, malformed: 1, columns: ['x', 'y'] });
    const jl = path.join(dir, 'data.log');
    fs.writeFileSync(jl, '{"request":{"q":1}}\n');
    expect(detectFormat(jl)).toBe('jsonl');
    await expect(readSamples(path.join(dir, 'missing.csv'), () => {})).rejects.toThrow(/cannot read .*missing\.csv: no such file/);
    await expect(readSamples(dir, () => {})).rejects.toThrow(/is a directory/);
  });
});

describe('validateBaseline', () => {
  const b = new BaselineBuilder();
  for (let i = 0; i < 50; i++) b.add({ x: i % 13, c: `k${i % 3}` });
  const good = JSON.parse(JSON.stringify(b.finish()));
  const mutate = (f: (x: any) => void) => {
    const copy = JSON.parse(JSON.stringify(good));
    f(copy);
    return copy;
  };
  test('accepts what BaselineBuilder writes', () => {
    expect(validateBaseline(good).features.x.type).toBe('numeric');
  });
  test.each<[string, (x: any) => void, RegExp]>([
    ['wrong schema version', (x) => { x.schemaVersion = 2; }, /schemaVersion must be 1 .* got 2/],
    ['not an object', (x) => { x.features = []; }, /features must be an object/],
    ['unknown type', (x) => { x.features.x.type = 'text'; }, /features\.x\.type must be "numeric" or "categorical", got "text"/],
    ['edges of the wrong length', (x) => { x.features.x.edges.pop(); }, /features\.x\.edges must have 9 elements, has 8/],
    ['share out of range', (x) => { x.features.c.shares.k0 = 1.5; }, /features\.c\.shares\["k0"\] must be a number in \[0, 1\]/],
    ['unsorted sketch', (x) => { x.features.x.sketch.values.reverse(); }, /sketch\.values must be strictly ascending/],
    ['sketch not covering the sample', (x) => { x.features.x.sketch.le[x.features.x.sketch.le.length - 1] = 3; }, /must start at the reference minimum and end at its maximum/],
    ['missing count', (x) => { delete x.features.x.count; }, /features\.x\.count must be a non-negative integer/],
  ])('rejects %s', (_name, f, re) => {
    expect(() => validateBaseline(mutate(f))).toThrow(re);
  });
  test('rejects a non-object', () => {
    expect(() => validateBaseline('[]')).toThrow(/invalid drift baseline: must be a JSON object/);
  });
});

test('missing values: empty, null, NaN in any case, surrounded by whitespace', () => {
  for (const v of [undefined, null, NaN, '', '   ', 'NaN', 'nan', ' NAN ', 'null', '  null\t', 'NULL']) expect([v, isMissing(v)]).toEqual([v, true]);
  for (const v of [0, '0', 'none', 'n/a', false, 'nanometre', '  nanometre ']) expect([v, isMissing(v)]).toEqual([v, false]);
  expect([toNumber(' 1.5e3 '), toNumber('-.5'), toNumber('+7')]).toEqual([1500, -0.5, 7]);
  for (const v of ['0x10', '1_000', 'Infinity', '1e999', '1.2.3', true, Infinity, {}]) expect([v, toNumber(v)]).toEqual([v, NaN]);
});

test('a column that turns out categorical keeps numeric-looking values as written', () => {
  const b = new BaselineBuilder();
  ['1.50', '1.5', '2', 'x', '1.50', '007'].forEach((v) => b.add({ f: v }));
  const f = b.finish().features.f as any;
  expect(f.type).toBe('categorical');
  expect(f.shares).toEqual({ '1.50': 2 / 6, '1.5': 1 / 6, 2: 1 / 6, x: 1 / 6, '007': 1 / 6 });
});
