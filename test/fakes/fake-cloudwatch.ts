/**
 * A loopback CloudWatch endpoint speaking the AWS JSON 1.0 protocol the SDK v3
 * CloudWatch client uses (`X-Amz-Target: GraniteServiceVersion20100801.PutMetricData`),
 * recording every PutMetricData call.
 */
import * as http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { LoopbackServer } from './loopback-server';

export interface MetricDatumJson {
  MetricName: string;
  Dimensions: { Name: string; Value: string }[];
  Timestamp?: number;
  Value?: number;
  Values?: number[];
  Counts?: number[];
  Unit?: string;
}

export class FakeCloudWatch extends LoopbackServer {
  public readonly calls: { Namespace: string; MetricData: MetricDatumJson[] }[] = [];
  public readonly violations: string[] = [];

  public get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  protected handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const target = String(req.headers['x-amz-target']);
      if (target !== 'GraniteServiceVersion20100801.PutMetricData') this.violations.push(`unexpected target ${target}`);
      const parsed = JSON.parse(body.toString('utf8'));
      for (const d of parsed.MetricData as MetricDatumJson[]) {
        if ((d.Values?.length ?? 0) > 150) this.violations.push(`${d.MetricName}: ${d.Values!.length} values`);
      }
      this.calls.push(parsed);
      res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.0', 'Content-Length': '2' });
      res.end('{}');
    });
  }

  /** Every datum of a metric under exactly these dimension names. */
  public data(metric: string, dimensionNames: string[]): MetricDatumJson[] {
    return this.calls.flatMap((c) => c.MetricData).filter((d) => d.MetricName === metric
      && d.Dimensions.map((x) => x.Name).sort().join() === [...dimensionNames].sort().join());
  }
}
