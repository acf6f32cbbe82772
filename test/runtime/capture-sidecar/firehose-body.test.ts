/**
 * The PutRecordBatch body the sidecar writes itself must be what the Firehose
 * JSON 1.1 protocol expects (Amazon Data Firehose API Reference, PutRecordBatch:
 * `{"DeliveryStreamName": string, "Records": [{"Data": blob}]}`, blobs base64).
 */
import { batchBody } from '../../../lib/runtime/capture-sidecar/firehose';

test('batchBody is the JSON of DeliveryStreamName and base64 Data, for text, binary and empty records', () => {
  const records = [Buffer.from('{"inferenceId":"a","x":"é"}\n'), Buffer.from([0, 255, 1, 2]), Buffer.alloc(0), Buffer.from('ab')];
  const body = batchBody('capture-"stream"', records);
  expect(JSON.parse(body.toString('utf8'))).toEqual({
    DeliveryStreamName: 'capture-"stream"',
    Records: records.map((r) => ({ Data: r.toString('base64') })),
  });
  expect(JSON.parse(batchBody('s', []).toString())).toEqual({ DeliveryStreamName: 's', Records: [] });
});
