/** CSV / JSON Lines readers, capture-record feature extraction and baseline validation. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { BaselineBuilder, featuresFromCaptureRecord, isMissing, parseJsonPath, toNumber, validateBaseline } from '../../../lib/monitoring/engine';
import { CsvParser, LineSplitter } from '../../../lib/monitoring/engine/csv';
import { detectFormat, readSamples, SampleReadError } from '../../../lib/monitoring/engine/readers';
import { INVALID_UTF8_MARK, Utf8Decoder } from '../../../lib/monitoring/engine/utf8';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drift-readers-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function parseCsv(chunks: string[]): { rows: Record<string, string>[]; bad: string[]; lines: number[]; rowLines: number[] } {
  const rows: Record<string, string>[] = [];
  const bad: string[] = [];
  const lines: number[] = [];
  const rowLines: number[] = [];
  const p = new CsvParser((r, line) => { rows.push(r); rowLines.push(line); }, (why, line) => { bad.push(why); lines.push(line); });
  chunks.forEach((c) => p.write(c));
  p.end();
  return { rows, bad, lines, rowLines };
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

  test('physical line numbers: quoted newlines (LF, CRLF, lone CR), blank lines, for every chunking', () => {
    const t = 'a,b\r\n1,"x\r\ny"\r\n\r\n2,"p\rq\nr"\n3\n\n4,z\r5,"w"w\n';
    // header 1; record on 2-3; blank 4; record on 5-7 (lone CR, LF); 8 malformed; 9 blank; 10 fine; 11 malformed
    for (let cut = 0; cut <= t.length; cut++) {
      const r = parseCsv([t.slice(0, cut), t.slice(cut)]);
      expect({ cut, rowLines: r.rowLines, lines: r.lines }).toEqual({ cut, rowLines: [2, 5, 10], lines: [8, 11] });
    }
    expect(parseCsv([...t]).lines).toEqual([8, 11]);
  });

  test('an unterminated quote is one malformed record, reported on the line where its quote opens; never a throw', () => {
    const r = parseCsv(['a,b\n1,"two\nlines"\n\n2,x\n3,"open\n4,y\n5,z\n']);
    expect(r.rows).toEqual([{ a: '1', b: 'two\nlines' }, { a: '2', b: 'x' }]);
    expect(r.bad).toEqual(['unterminated quoted field (the quote opens on line 6 and never closes)']);
    expect(r.lines).toEqual([6]);
  });

  test('a header naming a column twice: every record is malformed (runtime readers count them, never throw)', () => {
    const p = new CsvParser(() => { throw new Error('no row expected'); }, () => undefined);
    p.write('amount,colour,amount\n1,red,2\n3,blue,4\n');
    p.end();
    expect(p.duplicateColumns).toEqual(['amount']);
    const r = parseCsv(['amount,colour,amount\n1,red,2\n3,blue,4\n']);
    expect(r.rows).toEqual([]);
    expect(r.bad).toEqual(['the header names column(s) "amount" more than once', 'the header names column(s) "amount" more than once']);
    expect(r.lines).toEqual([2, 3]);
  });

  test('a record holding the invalid-UTF-8 mark is malformed', () => {
    const r = parseCsv([`a,b\n1,x\n2,b${INVALID_UTF8_MARK}d\n3,\uFFFD\n`]);
    expect(r.rows).toEqual([{ a: '1', b: 'x' }, { a: '3', b: '\uFFFD' }]);
    expect([r.bad, r.lines]).toEqual([['invalid UTF-8'], [3]]);
  });
});

describe('Utf8Decoder', () => {
  // WHATWG Encoding "UTF-8 decode": each maximal invalid subpart is one replacement.
  const cases: [string, number[], number][] = [
    ['valid multi-byte', [0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80], 0],
    ['lone continuation bytes', [0x61, 0x80, 0xbf, 0x62], 2],
    ['Latin-1 byte', [0x4a, 0x6f, 0x73, 0xe9, 0x0a], 1],
    ['truncated 3-byte sequence then ASCII', [0xe2, 0x82, 0x41], 1],
    ['overlong and surrogate encodings', [0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xf8], 6],
    ['truncated at the end of input', [0x41, 0xf0, 0x9f, 0x98], 1],
    ['a real U+FFFD is valid', [0xef, 0xbf, 0xbd], 0],
  ];
  test.each(cases)('%s: same text as a replacing decoder, with the mark, for every chunking', (_name, bytes, invalid) => {
    const input = Uint8Array.from(bytes);
    const expected = new TextDecoder('utf-8', { ignoreBOM: true }).decode(input);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new Utf8Decoder();
      const text = d.write(input.subarray(0, cut)) + d.write(input.subarray(cut)) + d.end();
      expect({ cut, invalid: d.invalidSequences }).toEqual({ cut, invalid });
      expect(text.split(INVALID_UTF8_MARK).join('\uFFFD')).toBe(expected);
      if (invalid === 0) expect(text).toBe(expected);
    }
  });
});

test('LineSplitter: lines across chunks, CRLF, blank lines; physical line numbers count the blank lines', () => {
  const lines: string[] = [];
  const numbers: number[] = [];
  const s = new LineSplitter((l, n) => { lines.push(l); numbers.push(n); });
  ['{"a":', '1}\r\n\n  \n{"b"', ':2}\n{"c":3}'].forEach((c) => s.write(c));
  s.end();
  expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  expect(numbers).toEqual([1, 4, 5]);
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
    expect(s).toMatchObject({ format: 'csv', rows: 1, malformed: 1, columns: ['x', 'y'], gzip: false, invalidUtf8: 0 });
    expect(s.malformedExamples).toEqual(['line 3: 1 fields, header has 2']);
    const jl = path.join(dir, 'data.log');
    fs.writeFileSync(jl, '{"request":{"q":1}}\n');
    expect(detectFormat(jl)).toBe('jsonl');
    await expect(readSamples(path.join(dir, 'missing.csv'), () => {})).rejects.toThrow(/cannot read .*missing\.csv: no such file/);
    await expect(readSamples(dir, () => {})).rejects.toThrow(/is a directory/);
  });

  test('files that cannot be read as a whole reject with SampleReadError, before any row is delivered', async () => {
    const cases: [string, string | Buffer, RegExp][] = [
      ['dup.csv', 'a,b,a\n1,2,3\n', /the CSV header names column\(s\) "a" more than once/],
      ['nul.csv', Buffer.from('a,b\n1,\u0000\n'), /it is binary \(a NUL byte at offset 6\)/],
      ['open.csv', 'a,b\n1,2\n3,"x\n4,5\n', /line 3: unterminated quoted field/],
      ['openheader.csv', 'a,"b\n1,2\n', /the CSV header has a quote that opens on line 1 and never closes/],
      ['bad.gz', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3]), /the gzip stream is corrupt or truncated/],
    ];
    for (const [name, content, re] of cases) {
      const f = path.join(dir, name);
      fs.writeFileSync(f, content);
      const rows: unknown[] = [];
      const err = await readSamples(f, (r) => rows.push(r)).then(() => undefined, (e) => e);
      expect([name, err instanceof SampleReadError]).toEqual([name, true]);
      expect(err.message).toMatch(re);
      if (name !== 'open.csv') expect([name, rows]).toEqual([name, []]);
    }
    await expect(readSamples(path.join(dir, 'data.log'), () => {}, { jsonPath: 'a[b]' })).rejects.toThrow(/invalid JSON path "a\[b\]"/);
  });

  test('gzip: detected by magic bytes, format by the name without .gz or by content; chunked reads agree', async () => {
    const text = 'x,y\n1,2\n\n3\n5,6\n';
    const plain = path.join(dir, 'g.csv');
    fs.writeFileSync(plain, text);
    const gz = path.join(dir, 'g.csv.gz');
    fs.writeFileSync(gz, zlib.gzipSync(text));
    const unnamed = path.join(dir, 'g-data');
    fs.writeFileSync(unnamed, zlib.gzipSync('{"request":{"q":1}}\n\n{"request":{"q":2}}\n'));
    const a: unknown[] = [];
    const b: unknown[] = [];
    const sa = await readSamples(plain, (r) => a.push(r));
    const sb = await readSamples(gz, (r) => b.push(r), { chunkSize: 5 });
    expect(b).toEqual(a);
    expect(sb).toEqual({ ...sa, gzip: true });
    expect(sb.malformedExamples).toEqual(['line 4: 1 fields, header has 2']);
    expect(detectFormat(unnamed)).toBe('jsonl');
    const c: unknown[] = [];
    expect(await readSamples(unnamed, (r) => c.push(r))).toMatchObject({ format: 'jsonl', rows: 2, gzip: true });
    expect(c).toEqual([{ q: 1 }, { q: 2 }]);
  });

  test('invalid UTF-8 is counted per record (malformed), whatever the chunk size', async () => {
    const f = path.join(dir, 'mixed.csv');
    const bytes = Buffer.concat([Buffer.from('a,b\n1,caf'), Buffer.from([0xe9]), Buffer.from('\n2,na\u00efve\n3,'), Buffer.from([0xc3]), Buffer.from('\n')]);
    fs.writeFileSync(f, bytes);
    for (const chunkSize of [1, 2, 3, 7, 1 << 20]) {
      const rows: unknown[] = [];
      const s = await readSamples(f, (r) => rows.push(r), { chunkSize });
      expect({ chunkSize, rows, malformed: s.malformed, invalid: s.invalidUtf8, ex: s.malformedExamples })
        .toEqual({ chunkSize, rows: [{ a: '2', b: 'na\u00efve' }], malformed: 2, invalid: 2, ex: ['line 2: invalid UTF-8', 'line 4: invalid UTF-8'] });
    }
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
