/**
 * The worker's fast path: bodies are validated as JSON in place (jsonKind) and
 * records are written as bytes (RecordWriter). Both must agree exactly with
 * JSON.parse (RFC 8259, https://www.rfc-editor.org/rfc/rfc8259) and with the
 * string path, buildRecordFromBytes, which defines the record contract.
 */
import { BodyTap, buildRecordFromBytes, frameBytes, JSON_MULTI_LINE, JSON_ONE_LINE, jsonKind, NOT_JSON, RecordWriter, writeFrame } from '../../../lib/runtime/capture-sidecar/record';

const parses = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

const CASES = [
  '0', '-0', '1', '-1', '01', '1.', '.5', '1.5', '1e5', '1E+5', '1e-5', '1e', '1e+', '-', '--1', '+1', '0x10', '1.5e3.2', 'Infinity', 'NaN',
  'true', 'false', 'null', 'tru', 'nul', 'truex', 'True', '"a"', '"', '"\\"', '"\\u00e9"', '"\\u00g9"', '"\\x"', '"\\/"', '"a\tb"', '"\u0001"',
  '"é"', '"😀"', '[]', '[', ']', '[1,]', '[,1]', '[1 2]', '[1,2]', '[[[]]]', '[[]', '{}', '{', '{"a":1}', '{"a":1,}', '{"a" 1}', '{a:1}',
  '{"a":}', '{"a":1 "b":2}', '{"a":[1,{"b":null}]}', '{"a":1}}', '[1]]', ' 1 ', '\n{\r\n"a" :\t[1 ,\n2]\n}\n', '\u000b1', '\f1', '1 2', '',
  ' ', '{"a":"\\ud800"}', '[1e400]', '"\\u12"', '[-]', '[-1.0e-0]', '{"":""}', '[true,false,null]', '{"a":1,"a":2}', '\ufeff1',
];

test('jsonKind accepts exactly what JSON.parse accepts (RFC 8259), on hand-picked edge cases', () => {
  for (const text of CASES) {
    const kind = jsonKind(Buffer.from(text, 'utf8'));
    expect([text, kind !== NOT_JSON]).toEqual([text, parses(text)]);
    if (kind !== NOT_JSON) expect([text, kind]).toEqual([text, /[\r\n]/.test(text) ? JSON_MULTI_LINE : JSON_ONE_LINE]);
  }
});

test('jsonKind agrees with JSON.parse on 20,000 random mutations of JSON documents', () => {
  // deterministic PRNG (mulberry32), so a failure is reproducible
  let seed = 42;
  const rnd = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const alphabet = '{}[]":,-+.eE0123456789 \n\t\\/utrfalsnx\u00e9';
  const seeds = ['{"a":[1,2.5,-3e2,{"b":"c\\n"}],"d":true,"e":null}', '[0,-0.1,"\\u00e9",[],{}]', '"text"', '{"x":{"y":{"z":[false]}}}'];
  let disagreements = 0;
  for (let k = 0; k < 20_000; k++) {
    const chars = [...seeds[k % seeds.length]];
    const edits = 1 + Math.floor(rnd() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rnd() * (chars.length + 1));
      const op = rnd();
      const ch = alphabet[Math.floor(rnd() * alphabet.length)];
      if (op < 0.4) chars.splice(at, 1);
      else if (op < 0.7) chars.splice(at, 0, ch);
      else chars[Math.min(at, chars.length - 1)] = ch;
    }
    const text = chars.join('');
    if ((jsonKind(Buffer.from(text, 'utf8')) !== NOT_JSON) !== parses(text)) disagreements++;
  }
  expect(disagreements).toBe(0);
});

test('deep nesting is validated without recursion', () => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  expect(jsonKind(Buffer.from(deep))).toBe(JSON_ONE_LINE);
  expect(jsonKind(Buffer.from(deep.slice(1)))).toBe(NOT_JSON);
});

test('RecordWriter writes byte for byte the line buildRecordFromBytes builds, for JSON, multi-line, binary, empty, cut and oversized bodies', () => {
  const model = { modelName: 'fraud-é', modelVersion: '7', variant: 'primary' };
  const maxBytes = 4096;
  const bodies: Array<[string, Buffer]> = [
    ['json', Buffer.from('{"features":[1,2,3],"text":"héllo"}')],
    ['pretty', Buffer.from('{\r\n  "a": [1,\n 2]\n}\n')],
    ['binary', Buffer.from([0, 1, 2, 255, 254, 10, 13])],
    ['invalid utf-8', Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d])],
    ['text', Buffer.from('model says no')],
    ['empty', Buffer.alloc(0)],
    ['big', Buffer.from(JSON.stringify({ pad: 'x'.repeat(3000) }))],
  ];
  const writer = new RecordWriter(model, maxBytes);
  for (const [rn, req] of bodies) {
    for (const [sn, res] of bodies) {
      for (const cap of [maxBytes, 8]) {
        const reqTap = new BodyTap(cap);
        reqTap.push(req);
        const resTap = new BodyTap(cap);
        resTap.push(res);
        const frame = Buffer.alloc(frameBytes('id-1', reqTap, resTap));
        writeFrame(frame, 0, 'id-1', Date.UTC(2026, 0, 2, 3, 4, 5, 6), 12.345, 201, reqTap, resTap);
        const { records } = writer.build(frame, (id, err) => {
          throw new Error(`${id}: ${String(err)}`);
        });
        const expected = buildRecordFromBytes({
          inferenceId: 'id-1', timestamp: '2026-01-02T03:04:05.006Z', ...model, latencyMs: 12.345, status: 201,
        }, req.subarray(0, cap), reqTap.cut, res.subarray(0, cap), resTap.cut, maxBytes);
        expect([rn, sn, cap, records.length === 1 && records[0].toString('utf8')]).toEqual([rn, sn, cap, expected]);
        expect(records[0].length).toBeLessThanOrEqual(maxBytes);
        JSON.parse(records[0].toString('utf8'));
      }
    }
  }
});

test('RecordWriter writes the timestamp and inference id exactly as toISOString and JSON.stringify do (any instant, any id)', () => {
  const model = { modelName: 'm', modelVersion: '1', variant: 'primary' };
  const writer = new RecordWriter(model, 1024000);
  const instants = [
    0, 1, 59_999, 60_000, Date.UTC(2026, 11, 31, 23, 59, 59, 999), Date.UTC(2027, 0, 1), Date.UTC(1969, 11, 31, 23, 59, 59, 1), -1,
    Date.UTC(10000, 0, 1, 0, 0, 7, 8), 1764930000123.75,
  ];
  for (let k = 0; k < 200; k++) instants.push(Math.floor(Date.UTC(2026, 0, 1) + Math.random() * 3e10));
  const ids = ['4f0c3c1e-8a8e-4b8c-9d9e-0123456789ab', 'a"b', 'back\\slash', 'x', 'ünïcode', 'tab\there'];
  for (const at of instants) {
    for (const id of ids) {
      const tap = new BodyTap(100);
      tap.push(Buffer.from('{"a":1}'));
      const frame = Buffer.alloc(frameBytes(id, tap, tap));
      writeFrame(frame, 0, id, at, 1.5, 200, tap, tap);
      const { records } = writer.build(frame, (i, err) => {
        throw new Error(`${i}: ${String(err)}`);
      });
      const parsed = JSON.parse(records[0].toString('utf8'));
      expect([at, parsed.timestamp, parsed.inferenceId]).toEqual([at, new Date(at).toISOString(), Buffer.from(id, 'latin1').toString('latin1')]);
    }
  }
});

test('jsonKind checks UTF-8 itself: multi-byte characters in strings are JSON, invalid or overlong sequences and non-ASCII outside strings are not', () => {
  expect(jsonKind(Buffer.from('{"t":"Grüße 日本 😀"}', 'utf8'))).toBe(JSON_ONE_LINE);
  expect(jsonKind(Buffer.from([0x22, 0xc3, 0x28, 0x22]))).toBe(NOT_JSON); // invalid continuation
  expect(jsonKind(Buffer.from([0x22, 0xc0, 0xaf, 0x22]))).toBe(NOT_JSON); // overlong "/"
  expect(jsonKind(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]))).toBe(NOT_JSON); // UTF-16 surrogate
  expect(jsonKind(Buffer.from([0x22, 0xe6, 0x97, 0x22]))).toBe(NOT_JSON); // truncated sequence
  expect(jsonKind(Buffer.from('[1,\u00a02]', 'utf8'))).toBe(NOT_JSON); // no-break space is not JSON whitespace
  expect(jsonKind(Buffer.from('\ufeff{}', 'utf8'))).toBe(NOT_JSON); // a BOM is not accepted (JSON.parse rejects it too)
});
