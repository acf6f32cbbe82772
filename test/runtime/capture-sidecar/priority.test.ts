/**
 * The shipping worker runs at a lower priority than the proxy (SHIPPER_NICE): on a busy node the thread that answers
 * requests is scheduled first. Read back from the kernel: the nice value is field 19 of /proc/<pid>/task/<tid>/stat
 * (proc(5)), a per-thread attribute on Linux (sched(7), "The nice value").
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeFirehose } from '../../fakes/fake-firehose';
import { request, startSidecar, StubModel, waitFor } from './harness';

const stub = new StubModel();
const firehose = new FakeFirehose();
beforeAll(async () => {
  await stub.start();
  await firehose.start();
});
afterAll(async () => {
  await stub.stop();
  await firehose.stop();
});

/** tid -> nice value of every thread of `pid` (proc(5): /proc/<pid>/task/<tid>/stat, field 19). */
function threadNice(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // fields after the command name (which may hold spaces) start at field 3
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(Number(tid), Number(fields[19 - 3]));
  }
  return out;
}

function env(extra: Record<string, string>): Record<string, string> {
  return {
    UPSTREAM_URL: stub.url,
    FIREHOSE_ENDPOINT: firehose.endpoint,
    CAPTURE_STREAM_NAME: firehose.streamName,
    CAPTURE_SAMPLING_PERCENT: '100',
    SPILL_DIR: mkdtempSync(path.join(os.tmpdir(), 'capture-nice-')),
    ...extra,
  };
}

// Linux only, like the pods it runs in (the sidecar image is Linux)
describe('shipping worker priority', () => {
  test('SHIPPER_NICE=7: exactly one thread, the shipping worker, runs at nice 7; the proxy thread keeps 0; capture still delivers', async () => {
    const sidecar = await startSidecar(env({ SHIPPER_NICE: '7' }));
    try {
      await waitFor('the worker lowered its priority', () => sidecar.logs.some((l) => l.msg === 'shipping worker runs below the proxy'));
      const logged = sidecar.logs.find((l) => l.msg === 'shipping worker runs below the proxy');
      expect(logged.nice).toBe(7);
      const nice = threadNice(sidecar.proc.pid!);
      expect(nice.get(sidecar.proc.pid!)).toBe(0); // the main thread (tid = pid) proxies the requests
      expect([...nice.values()].filter((n) => n === 7)).toHaveLength(1);
      expect([...nice.values()].filter((n) => n !== 0 && n !== 7)).toEqual([]);

      const res = await request(`${sidecar.url}/invocations`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Inference-Id': 'nice-1' }, body: '{"x":1}',
      });
      expect(res.status).toBe(200);
      await waitFor('the record reached Firehose', () => firehose.acceptedRecords().some((r) => r.inferenceId === 'nice-1'));
    } finally {
      await sidecar.stop();
    }
  });

  test('the default lowers the worker to nice 10; SHIPPER_NICE=0 leaves every thread at 0', async () => {
    const byDefault = await startSidecar(env({}));
    try {
      await waitFor('the worker lowered its priority', () => byDefault.logs.some((l) => l.msg === 'shipping worker runs below the proxy'));
      expect([...threadNice(byDefault.proc.pid!).values()].filter((n) => n === 10)).toHaveLength(1);
    } finally {
      await byDefault.stop();
    }
    const off = await startSidecar(env({ SHIPPER_NICE: '0' }));
    try {
      // the worker has started once its stats answer on the admin port
      expect((await off.metrics()).captured).toBe(0);
      expect([...threadNice(off.proc.pid!).values()].every((n) => n === 0)).toBe(true);
      expect(off.logs.some((l) => l.msg === 'shipping worker runs below the proxy')).toBe(false);
    } finally {
      await off.stop();
    }
  });
});

test('SHIPPER_NICE outside 0-19 is a configuration error naming the variable', async () => {
  await expect(startSidecar(env({ SHIPPER_NICE: '20' }))).rejects.toThrow(/SHIPPER_NICE=\\?"20\\?": must be an integer between 0 and 19/);
});
