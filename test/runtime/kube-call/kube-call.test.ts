// The in-VPC Kubernetes API caller (lib/runtime/kube-call): the EKS bearer token is a SigV4 pre-signed
// STS GetCallerIdentity URL with the x-k8s-aws-id header signed (https://docs.aws.amazon.com/eks/latest/userguide/cluster-auth.html);
// the signature is checked against the AWS SDK's own SigV4 signer. The call mirrors eks:call's parameters and result.
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { KubeApiError, kubeCall, KubeCallEvent, Send } from '../../../lib/runtime/kube-call/index';
import { eksToken, presignedCallerIdentityUrl } from '../../../lib/runtime/kube-call/token';

class Sha256 {
  private readonly h: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: string | Uint8Array) { this.h = secret ? createHmac('sha256', Buffer.from(secret as any)) : createHash('sha256'); }
  update(data: string | Uint8Array): void { this.h.update(typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data)); }
  async digest(): Promise<Uint8Array> { return new Uint8Array(this.h.digest()); }
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session/token+=' };
const now = new Date(Date.UTC(2026, 10, 27, 9, 0, 0));

test('the pre-signed URL carries the signature the AWS SDK SigV4 signer computes for the same request', async () => {
  const url = new URL(presignedCallerIdentityUrl('gpu-cluster', 'eu-west-1', credentials, now));
  const signer = new SignatureV4({ service: 'sts', region: 'eu-west-1', credentials, sha256: Sha256 as any });
  const presigned = await signer.presign({
    method: 'GET', protocol: 'https:', hostname: 'sts.eu-west-1.amazonaws.com', path: '/',
    headers: { 'host': 'sts.eu-west-1.amazonaws.com', 'x-k8s-aws-id': 'gpu-cluster' },
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
  } as any, { signingDate: now, expiresIn: 60 });
  const q = presigned.query as Record<string, string>;
  expect(url.host).toBe('sts.eu-west-1.amazonaws.com');
  expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe(q['X-Amz-SignedHeaders']);
  expect(url.searchParams.get('X-Amz-Credential')).toBe(q['X-Amz-Credential']);
  expect(url.searchParams.get('X-Amz-Security-Token')).toBe(credentials.sessionToken);
  expect(url.searchParams.get('X-Amz-Signature')).toBe(q['X-Amz-Signature']);
});

test('the token is k8s-aws-v1. + the base64url URL (no padding)', () => {
  const token = eksToken('gpu', 'us-east-1', credentials, now);
  expect(token.startsWith('k8s-aws-v1.')).toBe(true);
  expect(token).not.toMatch(/[=+/]/);
  expect(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString()).toBe(presignedCallerIdentityUrl('gpu', 'us-east-1', credentials, now));
});

const env = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_SESSION_TOKEN: credentials.sessionToken };
const event = (o: Partial<KubeCallEvent> = {}): KubeCallEvent => ({
  ClusterName: 'gpu', Endpoint: 'https://ABC.gr7.us-east-1.eks.amazonaws.com', CertificateAuthority: Buffer.from('PEM').toString('base64'),
  Method: 'PATCH', Path: '/apis/apps/v1/namespaces/fraud/deployments/fraud-canary', RequestBody: { spec: { template: { metadata: { annotations: { a: 'b' } } } } }, ...o,
});

test('a PATCH is a JSON merge patch to the private endpoint with the bearer token and the cluster CA; the result has the eks:call shape', async () => {
  const seen: any[] = [];
  const send: Send = async (r) => { seen.push(r); return { status: 200, statusText: 'OK', body: '{"metadata":{"generation":2}}', headers: { 'content-type': 'application/json' } }; };
  const result = await kubeCall(event(), env, send, now);
  expect(seen[0].url.toString()).toBe('https://abc.gr7.us-east-1.eks.amazonaws.com/apis/apps/v1/namespaces/fraud/deployments/fraud-canary');
  expect(seen[0].method).toBe('PATCH');
  expect(seen[0].headers['Content-Type']).toBe('application/merge-patch+json');
  expect(seen[0].headers.Authorization).toBe(`Bearer ${eksToken('gpu', 'us-east-1', credentials, now)}`);
  expect(seen[0].ca.toString()).toBe('PEM');
  expect(JSON.parse(seen[0].body)).toEqual(event().RequestBody);
  expect(result).toEqual({ StatusCode: 200, StatusText: 'OK', ResponseBody: { metadata: { generation: 2 } }, Headers: { 'content-type': 'application/json' } });
});

test('a non-2xx answer fails the task with KubeApi.<status>; paths outside Deployments and Ingresses are refused before any call', async () => {
  const send: Send = async () => ({ status: 403, statusText: 'Forbidden', body: '{"reason":"Forbidden"}', headers: {} });
  await expect(kubeCall(event({ Method: 'GET' }), env, send, now)).rejects.toMatchObject({ name: 'KubeApi.403' });
  let called = false;
  const never: Send = async () => { called = true; return { status: 200, statusText: 'OK', body: '{}', headers: {} }; };
  await expect(kubeCall(event({ Path: '/api/v1/namespaces/fraud/secrets/x' }), env, never, now)).rejects.toBeInstanceOf(KubeApiError);
  await expect(kubeCall(event({ Endpoint: 'http://plain' }), env, never, now)).rejects.toMatchObject({ name: 'KubeApi.400' });
  expect(called).toBe(false);
});
