/** PutRecordBatch to Kinesis Data Firehose with the AWS SDK v3 client. */
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { SidecarConfig } from './config';

export interface BatchResult {
  /** Indexes (in the batch) of records Firehose did not accept. */
  readonly failed: number[];
  /** Distinct per-record error codes, for logs. */
  readonly errorCodes: string[];
}

export interface BatchSender {
  send(records: Buffer[], signal: AbortSignal): Promise<BatchResult>;
}

/**
 * The request handler's deadlines for one PutRecordBatch call. In
 * @smithy/node-http-handler 4.x, `requestTimeout` alone only logs a warning
 * ("Init client requestHandler with throwOnRequestTimeout=true to turn this into
 * an error"): `throwOnRequestTimeout` makes it a TimeoutError. `socketTimeout`
 * (inactivity of the socket, also while the response body is read) and
 * `connectionTimeout` throw as well. The shipper adds an AbortSignal deadline on
 * top (see Shipper.send), so no call can outlive FIREHOSE_TIMEOUT_MS by much.
 */
export function requestHandlerOptions(cfg: Pick<SidecarConfig, 'firehoseTimeoutMs' | 'maxInFlightBatches'>) {
  return {
    requestTimeout: cfg.firehoseTimeoutMs,
    throwOnRequestTimeout: true,
    socketTimeout: cfg.firehoseTimeoutMs,
    connectionTimeout: Math.min(cfg.firehoseTimeoutMs, 3000),
    httpsAgent: { keepAlive: true, maxSockets: cfg.maxInFlightBatches },
    httpAgent: { keepAlive: true, maxSockets: cfg.maxInFlightBatches },
  };
}

const RECORD_OPEN = '{"Data":"';
const RECORD_CLOSE = '"}';

/**
 * The PutRecordBatch request body (the Firehose JSON 1.1 protocol:
 * `{"DeliveryStreamName":...,"Records":[{"Data":"<base64>"},...]}`), written
 * straight into one buffer: each record is base64-encoded once, natively,
 * instead of the SDK's serializer building an object tree and a JSON string.
 */
export function batchBody(streamName: string, records: Buffer[]): Buffer {
  const head = '{"DeliveryStreamName":' + JSON.stringify(streamName) + ',"Records":[';
  let size = Buffer.byteLength(head) + 2;
  for (const r of records) size += RECORD_OPEN.length + RECORD_CLOSE.length + 1 + 4 * Math.ceil(r.length / 3);
  const out = Buffer.allocUnsafe(size);
  let o = out.write(head, 0, 'utf8');
  for (let i = 0; i < records.length; i++) {
    if (i > 0) out[o++] = 0x2c; // ,
    o += out.write(RECORD_OPEN, o, 'latin1');
    o += out.write(records[i].toString('base64'), o, 'latin1');
    o += out.write(RECORD_CLOSE, o, 'latin1');
  }
  o += out.write(']}', o, 'latin1');
  return out.subarray(0, o);
}

/** The whole response body (rejects if the stream fails or is cut: the request handler's deadlines destroy it). */
async function readAll(body: AsyncIterable<Buffer | Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

/**
 * The body the SDK's deserializer gets: `{"FailedPutCount":0}` when the answer
 * is a JSON object whose FailedPutCount is 0 (one native JSON.parse, instead of
 * the SDK's schema-driven reading of 500 RequestResponses the shipper does not
 * use then), the answer itself otherwise (partial failures, errors).
 */
export function allAcceptedOrSame(body: Buffer): Buffer {
  try {
    if (JSON.parse(body.toString('utf8'))?.FailedPutCount === 0) return Buffer.from(ALL_ACCEPTED);
  } catch {
    // not JSON: the SDK reports it
  }
  return body;
}

const ALL_ACCEPTED = '{"FailedPutCount":0}';

export class FirehoseSender implements BatchSender {
  private readonly client: FirehoseClient;

  constructor(private readonly cfg: SidecarConfig) {
    this.client = new FirehoseClient({
      region: cfg.region,
      endpoint: cfg.firehoseEndpoint,
      // retries (with full jitter) and spilling are ours: one attempt per call
      maxAttempts: 1,
      requestHandler: requestHandlerOptions(cfg),
    });
  }

  public async send(records: Buffer[], signal: AbortSignal): Promise<BatchResult> {
    // The request body is built here, in one buffer (see batchBody); the command is
    // serialized with no records and its body replaced before it is signed.
    const body = batchBody(this.cfg.streamName, records);
    const command = new PutRecordBatchCommand({ DeliveryStreamName: this.cfg.streamName, Records: [] });
    command.middlewareStack.add((next) => async (args: any) => {
      args.request.body = body;
      args.request.headers['content-length'] = String(body.length);
      return next(args);
    }, { step: 'build', priority: 'high', name: 'captureBatchBody' });
    // Inside the SDK's deserializer (deserialize step, low priority): an answer that says every record was
    // accepted reaches it without its 500 RequestResponses, which the shipper does not need then.
    command.middlewareStack.add((next) => async (args: any) => {
      const out: any = await next(args);
      const res = out.response;
      if (res && res.statusCode === 200 && res.body && typeof res.body[Symbol.asyncIterator] === 'function') {
        res.body = allAcceptedOrSame(await readAll(res.body));
      }
      return out;
    }, { step: 'deserialize', priority: 'low', name: 'captureBatchResponse' });
    const out = await this.client.send(command, { abortSignal: signal as any });
    if (!out.FailedPutCount) return { failed: [], errorCodes: [] };
    const failed: number[] = [];
    const codes = new Set<string>();
    const responses = out.RequestResponses ?? [];
    if (responses.length !== records.length) {
      // cannot tell which failed: resend all (at-least-once)
      return { failed: records.map((_, i) => i), errorCodes: ['MalformedResponse'] };
    }
    responses.forEach((r, i) => {
      if (r.ErrorCode || !r.RecordId) {
        failed.push(i);
        codes.add(r.ErrorCode ?? 'Unknown');
      }
    });
    return { failed, errorCodes: [...codes] };
  }
}
