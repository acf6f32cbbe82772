/**
 * A loopback HTTP server that speaks the Kinesis Data Firehose JSON protocol
 * (`X-Amz-Target: Firehose_20150804.PutRecordBatch`), for the real
 * `@aws-sdk/client-firehose` client inside the sidecar. It records every call
 * and can inject throttling, per-record failures, a full outage and hung calls.
 */
import * as http from 'node:http';
import { LoopbackServer } from './loopback-server';

export interface PutCall {
  readonly records: Buffer[];
  /** What the fake answered: 'ok', 'partial', 'throttled', 'outage', 'invalid', 'hung' (no or no complete answer). */
  readonly outcome: string;
  readonly failedIndexes: number[];
}

export type RecordFailure = (record: Buffer, callIndex: number) => string | undefined;

export class FakeFirehose extends LoopbackServer {
  public readonly calls: PutCall[] = [];
  /** Data of every record the fake accepted, in order. */
  public readonly accepted: Buffer[] = [];
  /** Protocol violations seen (batch too large, record too large, wrong stream, unsigned...). */
  public readonly violations: string[] = [];
  /** When set, every call fails as a whole: 503 ServiceUnavailableException, or the connection is reset. */
  public outage: false | '503' | 'reset' = false;
  /**
   * When set, every call hangs: `'no-answer'` reads the request and never
   * answers; `'stalled-body'` sends the status line, headers and half of a
   * (valid) answer, then nothing more. The records of a hung call are never
   * accepted; the connection stays open until the client gives up.
   */
  public hang: false | 'no-answer' | 'stalled-body' = false;
  /** Throttle (ServiceUnavailableException "Slow down.") every call whose index satisfies this. */
  public throttle: (callIndex: number) => boolean = () => false;
  /** Per-record failure injector: return an ErrorCode to fail that record. */
  public failRecord: RecordFailure = () => undefined;

  private recordSeq = 0;

  constructor(public readonly streamName = 'capture-test') {
    super();
  }

  public get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The accepted records parsed as JSON lines. */
  public acceptedRecords(): any[] {
    return this.accepted.map((b) => {
      const text = b.toString('utf8');
      if (!text.endsWith('\n') || text.indexOf('\n') !== text.length - 1) this.violations.push(`record is not one JSON line: ${text.slice(0, 80)}`);
      return JSON.parse(text);
    });
  }

  protected handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const callIndex = this.calls.length;
      const target = req.headers['x-amz-target'];
      if (target !== 'Firehose_20150804.PutRecordBatch') {
        this.violations.push(`unexpected X-Amz-Target ${String(target)}`);
        return this.error(res, 400, 'InvalidArgumentException', 'unsupported operation');
      }
      if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256')) this.violations.push('request not signed with SigV4');
      let body: any;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        this.violations.push('body is not JSON');
        return this.error(res, 400, 'SerializationException', 'bad body');
      }
      const records: Buffer[] = (body.Records ?? []).map((r: { Data: string }) => Buffer.from(r.Data, 'base64'));
      if (this.hang) {
        this.calls.push({ records, outcome: 'hung', failedIndexes: [] });
        if (this.hang === 'stalled-body') {
          const out = JSON.stringify({ FailedPutCount: 0, Encrypted: true, RequestResponses: records.map((_, i) => ({ RecordId: `never-${i}` })) });
          res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': Buffer.byteLength(out) });
          res.write(out.slice(0, Math.floor(out.length / 2)));
        }
        return;
      }
      if (this.outage === 'reset') {
        this.calls.push({ records, outcome: 'outage', failedIndexes: [] });
        req.socket.destroy();
        return;
      }
      if (this.outage === '503') {
        this.calls.push({ records, outcome: 'outage', failedIndexes: [] });
        return this.error(res, 503, 'ServiceUnavailableException', 'Service unavailable');
      }
      const total = records.reduce((a, r) => a + r.length, 0);
      const problems: string[] = [];
      if (body.DeliveryStreamName !== this.streamName) problems.push(`wrong stream ${body.DeliveryStreamName}`);
      if (records.length === 0 || records.length > 500) problems.push(`batch of ${records.length} records`);
      if (total > 4 * 1024 * 1024) problems.push(`batch of ${total} bytes`);
      for (const r of records) if (r.length > 1000 * 1024) problems.push(`record of ${r.length} bytes`);
      if (problems.length > 0) {
        this.violations.push(...problems);
        this.calls.push({ records, outcome: 'invalid', failedIndexes: [] });
        return this.error(res, 400, 'InvalidArgumentException', problems.join('; '));
      }
      if (this.throttle(callIndex)) {
        this.calls.push({ records, outcome: 'throttled', failedIndexes: [] });
        return this.error(res, 400, 'ServiceUnavailableException', 'Slow down.');
      }
      const failedIndexes: number[] = [];
      const responses = records.map((r, i) => {
        const code = this.failRecord(r, callIndex);
        if (code) {
          failedIndexes.push(i);
          return { ErrorCode: code, ErrorMessage: `injected ${code}` };
        }
        this.accepted.push(r);
        return { RecordId: `rec-${++this.recordSeq}` };
      });
      this.calls.push({ records, outcome: failedIndexes.length > 0 ? 'partial' : 'ok', failedIndexes });
      const out = JSON.stringify({ FailedPutCount: failedIndexes.length, Encrypted: true, RequestResponses: responses });
      res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': Buffer.byteLength(out), 'x-amzn-RequestId': `req-${callIndex}` });
      res.end(out);
    });
  }

  private error(res: http.ServerResponse, status: number, type: string, message: string): void {
    const out = JSON.stringify({ __type: type, message });
    res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-ErrorType': type, 'Content-Length': Buffer.byteLength(out) });
    res.end(out);
  }
}
