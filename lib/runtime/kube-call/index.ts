// The in-VPC Kubernetes API caller of the retraining loop: Step Functions' `eks:call` reaches only a
// cluster's PUBLIC endpoint, so for a private-endpoint cluster the state machine invokes this function
// (in the cluster's VPC) with the same parameters eks:call takes, and gets the same result shape.
// Its role is mapped by an EKS access entry to a Kubernetes group whose RBAC allows get/patch of the
// model's own Deployments and Ingress only.
import * as https from 'node:https';
import { eksToken } from './token';

/** What the state machine passes (the eks:call parameter names). */
export interface KubeCallEvent {
  readonly ClusterName: string;
  readonly Endpoint: string;
  /** Base64 PEM of the cluster CA. */
  readonly CertificateAuthority: string;
  readonly Method: 'GET' | 'PATCH';
  readonly Path: string;
  readonly RequestBody?: unknown;
}

/** The eks:call result shape. */
export interface KubeCallResult {
  readonly StatusCode: number;
  readonly StatusText: string;
  readonly ResponseBody: unknown;
  readonly Headers: Record<string, string>;
}

/** An HTTP exchange (injectable for tests). */
export type Send = (request: {
  url: URL; method: string; headers: Record<string, string>; body?: string; ca: Buffer;
}) => Promise<{ status: number; statusText: string; body: string; headers: Record<string, string> }>;

/** A Kubernetes API answer outside 2xx: the error name carries the status (e.g. `KubeApi.404`), for Retry/Catch. */
export class KubeApiError extends Error {
  constructor(status: number, message: string) {
    super(message);
    this.name = `KubeApi.${status}`;
  }
}

const PATHS = /^\/apis\/(apps\/v1\/namespaces\/[a-z0-9-]+\/deployments|networking\.k8s\.io\/v1\/namespaces\/[a-z0-9-]+\/ingresses)\/[a-z0-9-]+$/;

export const httpsSend: Send = (r) => new Promise((resolve, reject) => {
  const req = https.request(r.url, { method: r.method, headers: r.headers, ca: r.ca, timeout: 20_000 }, (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve({
      status: res.statusCode ?? 0,
      statusText: res.statusMessage ?? '',
      body: Buffer.concat(chunks).toString('utf8'),
      headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)])),
    }));
  });
  req.on('timeout', () => req.destroy(new Error('Kubernetes API call timed out')));
  req.on('error', reject);
  if (r.body !== undefined) req.write(r.body);
  req.end();
});

/** Calls the Kubernetes API as the function's role. */
export async function kubeCall(event: KubeCallEvent, env: NodeJS.ProcessEnv, send: Send, now = new Date()): Promise<KubeCallResult> {
  if (event.Method !== 'GET' && event.Method !== 'PATCH') throw new KubeApiError(405, `method ${event.Method} is not one the retraining loop makes`);
  if (!PATHS.test(event.Path)) throw new KubeApiError(400, `path ${event.Path} is not a Deployment or Ingress of a namespace`);
  const endpoint = new URL(event.Endpoint);
  if (endpoint.protocol !== 'https:') throw new KubeApiError(400, `endpoint ${event.Endpoint} is not https`);
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region || !env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) throw new Error('no AWS region or credentials in the environment');
  const token = eksToken(event.ClusterName, region, {
    accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN,
  }, now);
  const body = event.Method === 'PATCH' ? JSON.stringify(event.RequestBody ?? {}) : undefined;
  const res = await send({
    url: new URL(event.Path, endpoint),
    method: event.Method,
    headers: {
      'Authorization': `Bearer ${token}`,
      'Accept': 'application/json',
      // The state machine's patches touch only maps: a JSON merge patch (RFC 7386).
      ...(body !== undefined ? { 'Content-Type': 'application/merge-patch+json', 'Content-Length': String(Buffer.byteLength(body)) } : {}),
    },
    body,
    ca: Buffer.from(event.CertificateAuthority, 'base64'),
  });
  let parsed: unknown = res.body;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    // Not JSON (an HTML error page): returned as text.
  }
  if (res.status < 200 || res.status >= 300) {
    throw new KubeApiError(res.status, `${event.Method} ${event.Path}: ${res.status} ${res.statusText} ${typeof parsed === 'string' ? parsed : JSON.stringify(parsed)}`.slice(0, 1000));
  }
  return { StatusCode: res.status, StatusText: res.statusText, ResponseBody: parsed, Headers: res.headers };
}

export const handler = async (event: KubeCallEvent): Promise<KubeCallResult> => kubeCall(event, process.env, httpsSend);
