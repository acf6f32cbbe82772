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

/**
 * The answer (API_PutRecordBatch, Response Syntax: FailedPutCount, Encrypted,
 * RequestResponses with RecordId or ErrorCode/ErrorMessage per record, in the
 * order of the request) is read by the sidecar itself when everything was
 * accepted, and by the SDK otherwise: both must give the same result.
 * https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html
 */
test('FirehoseSender reads all-accepted, partly failed and refused PutRecordBatch answers', async () => {
  const http = await import('node:http');
  const answers: Array<[number, string]> = [
    [200, JSON.stringify({ FailedPutCount: 0, Encrypted: true, RequestResponses: [{ RecordId: 'a' }, { RecordId: 'b' }, { RecordId: 'c' }] })],
    [200, JSON.stringify({
      FailedPutCount: 2, Encrypted: false,
      RequestResponses: [
        { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down, "FailedPutCount":0 is not this' },
        { RecordId: 'b' },
        { ErrorCode: 'InternalFailure', ErrorMessage: 'x' },
      ],
    })],
    [400, JSON.stringify({ __type: 'ResourceNotFoundException', message: 'stream not found' })],
  ];
  let call = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const [status, body] = answers[call++];
      res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': 'r' });
      // the answer arrives in two pieces
      res.write(body.slice(0, 10));
      setTimeout(() => res.end(body.slice(10)), 5);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as import('node:net').AddressInfo).port;
  const env = {
    CAPTURE_STREAM_NAME: 's', FIREHOSE_ENDPOINT: `http://127.0.0.1:${port}`, AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'test', AWS_EC2_METADATA_DISABLED: 'true',
  };
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const { loadConfig } = await import('../../../lib/runtime/capture-sidecar/config');
    const { FirehoseSender } = await import('../../../lib/runtime/capture-sidecar/firehose');
    const sender = new FirehoseSender(loadConfig(env));
    const records = [Buffer.from('{"a":1}\n'), Buffer.from('{"a":2}\n'), Buffer.from('{"a":3}\n')];
    expect(await sender.send(records, new AbortController().signal)).toEqual({ failed: [], errorCodes: [] });
    expect(await sender.send(records, new AbortController().signal)).toEqual({ failed: [0, 2], errorCodes: ['ServiceUnavailableException', 'InternalFailure'] });
    await expect(sender.send(records, new AbortController().signal)).rejects.toThrow(/stream not found/);
  } finally {
    process.env = saved;
    server.close();
  }
});
