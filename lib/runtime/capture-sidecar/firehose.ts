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
    const out = await this.client.send(new PutRecordBatchCommand({
      DeliveryStreamName: this.cfg.streamName,
      Records: records.map((Data) => ({ Data })),
    }), { abortSignal: signal as any });
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
