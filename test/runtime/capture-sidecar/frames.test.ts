/**
 * The shipping worker's side of the capture frames: every frame becomes a
 * record or is counted as dropped, so delivered + dropped adds up to captured.
 */
import { loadConfig } from '../../../lib/runtime/capture-sidecar/config';
import { Counters } from '../../../lib/runtime/capture-sidecar/metrics';
import { BodyTap, frameBytes, writeFrame } from '../../../lib/runtime/capture-sidecar/record';
import { ingestFrames } from '../../../lib/runtime/capture-sidecar/worker';

const cfg = loadConfig({ MODEL_NAME: 'fraud', MODEL_VERSION: '7', VARIANT: 'primary' });
const tap = (text: string) => {
  const t = new BodyTap(1024);
  t.push(Buffer.from(text, 'utf8'));
  return t;
};

test('a frame whose record cannot be built is logged and counted as dropped; the others are enqueued', () => {
  const req = tap('{"x":1}');
  const res = tap('{"score":0.5}');
  const ids = ['ok-1', 'corrupt', 'ok-2'];
  const data = Buffer.alloc(ids.reduce((n, id) => n + frameBytes(id, req, res), 0));
  let o = 0;
  for (const id of ids) {
    // a NaN start time cannot become the record's ISO timestamp
    o = writeFrame(data, o, id, id === 'corrupt' ? NaN : Date.UTC(2026, 0, 2, 3, 4, 5), 12.5, 200, req, res);
  }
  const counters = new Counters();
  const records: string[] = [];
  const logs: string[] = [];
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((line: any) => {
    logs.push(String(line));
    return true;
  });
  try {
    ingestFrames(data, cfg, counters, (r) => records.push(r.toString('utf8')));
  } finally {
    out.mockRestore();
  }
  expect(records.map((r) => JSON.parse(r).inferenceId)).toEqual(['ok-1', 'ok-2']);
  expect(JSON.parse(records[0])).toMatchObject({ modelName: 'fraud', modelVersion: '7', variant: 'primary', request: { x: 1 }, response: { score: 0.5 }, status: 200, timestamp: '2026-01-02T03:04:05.000Z' });
  expect(counters.dropped).toBe(1);
  expect(logs.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ level: 'error', msg: 'could not build capture record; dropped', inferenceId: 'corrupt' })]);
});
