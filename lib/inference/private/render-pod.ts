// The pod template of a variant's Deployment: the init container that fetches the artifact, the model
// container, the optional proxy sidecar, GPU scheduling and zone spread.
import { MODEL_URI_ANNOTATION, MODEL_VERSION_ANNOTATION } from '../../contracts/endpoint-wiring';
import type { InferenceVariant } from '../inference-types';
import { DEFAULTS, DEFAULT_ARTIFACT_COPY_IMAGE, DEFAULT_GPU_NODE_SELECTOR } from './inference-options';
import { intOrString, k8s, quantity, restrictedContainerSecurityContext, restrictedPodSecurityContext } from './k8s';
import { ServiceView, segmentLabels, variantSelector } from './render-context';

export const GPU_RESOURCE = 'nvidia.com/gpu';
const MODEL_DIR = '/models';
const annotationRef = (key: string): k8s.EnvVarSource => ({ fieldRef: { fieldPath: `metadata.annotations['${key}']` } });

/**
 * The init container's script: copies `$MODEL_ARTIFACT_URI` (the pod annotation, read through the
 * downward API) into the model emptyDir. A prefix (`.../`) is copied recursively; a `.tar.gz`/`.tgz`/`.tar`
 * object (SageMaker's `model.tar.gz`) is streamed from S3 and extracted (Python's tarfile when the image
 * has Python, else tar), any other object is copied as is. Writes only to the emptyDirs (/models, /tmp).
 */
const FETCH_SCRIPT = (champion: boolean) => [
  'set -eu',
  'u="${MODEL_ARTIFACT_URI:-}"; d="$MODEL_DIR"',
  ...(champion ? CHAMPION_SCRIPT : []),
  `case "$u" in s3://?*/?*) ;; *) echo "fetch-model: annotation ${MODEL_URI_ANNOTATION} must be s3://<bucket>/<key>, got '$u'" >&2; exit 64;; esac`,
  'echo "fetch-model: $u -> $d/"',
  'case "$u" in */) exec aws s3 cp --recursive --only-show-errors "$u" "$d/";; *.tar) z=;; *.tar.gz|*.tgz) z=z;; *) exec aws s3 cp --only-show-errors "$u" "$d/";; esac',
  'x() { if command -v python3 >/dev/null; then python3 -c "$EXTRACT_PY" "$d"; elif command -v python >/dev/null; then python -c "$EXTRACT_PY" "$d"; else tar -x${z}f - --no-same-owner -C "$d"; fi; }',
  'f="${TMPDIR:-/tmp}/fetch-failed"; rm -f "$f"',
  '{ aws s3 cp --only-show-errors "$u" - || touch "$f"; } | x',
  'if [ -e "$f" ]; then echo "fetch-model: download of $u failed" >&2; exit 1; fi',
].join('\n');

/**
 * The champion step of the init container's script (variants a retraining loop manages). The annotation
 * still naming the rendered artifact means no patch since the last apply (a first deploy, or a redeploy
 * that put the rendered annotations back): the pod loads the champion of `$CHAMPION_PARAMETER` (the
 * compact JSON the state machine writes; its `modelArtifactUri`), or the rendered artifact while the
 * parameter does not exist (`ParameterNotFound`: no promotion yet). Any other error fails the pod (kubelet
 * retries it) rather than load a model that may have been replaced. A patched annotation (canary candidate,
 * rollback) is loaded as it is. POSIX shell and the AWS CLI only.
 */
const CHAMPION_SCRIPT = [
  'if [ -n "${CHAMPION_PARAMETER:-}" ] && [ "$u" = "${RENDERED_MODEL_ARTIFACT_URI:-}" ]; then',
  '  e="${TMPDIR:-/tmp}/champion-error"',
  '  if c="$(aws ssm get-parameter --name "$CHAMPION_PARAMETER" --query Parameter.Value --output text 2>"$e")"; then',
  '    r=${c#*\'"modelArtifactUri":"\'}; u=${r%%\'"\'*}',
  '    echo "fetch-model: champion of $CHAMPION_PARAMETER: $u"',
  '  else',
  '    case "$(cat "$e")" in *ParameterNotFound*) echo "fetch-model: no champion in $CHAMPION_PARAMETER yet: the rendered model";; *) cat "$e" >&2; exit 1;; esac',
  '  fi',
  'fi',
];

/** Python 2/3 tar extraction (streamed, any compression); refuses members outside the target, skips links. */
const EXTRACT_PY = [
  'import os,sys,tarfile',
  "t=tarfile.open(fileobj=getattr(sys.stdin,'buffer',sys.stdin),mode='r|*')",
  'for m in t:',
  ' p=os.path.normpath(m.name)',
  " if os.path.isabs(p) or p.split(os.sep)[0]=='..':sys.exit('fetch-model: unsafe archive member '+m.name)",
  ' if m.isfile() or m.isdir():t.extract(m,sys.argv[1])',
].join('\n');


/** The pod-template annotations naming what the pods load (the retraining loop patches them). */
export function modelAnnotations(view: ServiceView, v: InferenceVariant): Record<string, string> {
  return { [MODEL_URI_ANNOTATION]: view.artifactUriForVariant(v.name), [MODEL_VERSION_ANNOTATION]: v.modelVersion };
}

/** The Deployment spec of one variant (replicas unset: the HPA owns it). */
export function renderDeploymentSpec(view: ServiceView, v: InferenceVariant): k8s.DeploymentSpec {
  const p = view.props;
  const user = p.runAsUser ?? DEFAULTS.runAsUser;
  const sc = restrictedContainerSecurityContext(user);
  const gpus = p.resources?.gpuCount ?? DEFAULTS.gpuCount;
  const cpu = p.resources?.cpu ?? DEFAULTS.cpu;
  const memory = p.resources?.memory ?? DEFAULTS.memory;
  const proxy = view.proxy;
  const probePort = intOrString(view.servingPort);
  const livenessPath = p.livenessPath ?? DEFAULTS.livenessPath;
  const startupTimeout = p.startupTimeoutSeconds ?? DEFAULTS.startupTimeoutSeconds;
  const preStop = p.preStopSleepSeconds ?? DEFAULTS.preStopSleepSeconds;
  const preStopHook = preStop > 0 ? { preStop: { exec: { command: ['sleep', String(preStop)] } } } : undefined;

  // MODEL_VERSION comes from the pod annotation the retraining loop patches, so the model and the
  // capture records name the version the pod actually loaded.
  const env = (vars: Record<string, string>): k8s.EnvVar[] => Object.entries(vars).map(([name, value]) => (name === 'MODEL_VERSION'
    ? { name, valueFrom: annotationRef(MODEL_VERSION_ANNOTATION) }
    : { name, value }));

  const requests: Record<string, k8s.Quantity> = { cpu: quantity(cpu), memory: quantity(memory) };
  const limits: Record<string, k8s.Quantity> = { memory: quantity(memory) };
  if (gpus > 0) {
    requests[GPU_RESOURCE] = quantity(gpus);
    limits[GPU_RESOURCE] = quantity(gpus);
  }

  const champion = view.championParameterFor(v.name);
  const fetch: k8s.Container = {
    name: 'fetch-model',
    image: p.artifactCopyImage ?? DEFAULT_ARTIFACT_COPY_IMAGE,
    command: ['/bin/sh', '-c', FETCH_SCRIPT(champion !== undefined)],
    env: [
      { name: 'MODEL_ARTIFACT_URI', valueFrom: annotationRef(MODEL_URI_ANNOTATION) },
      ...(champion !== undefined ? [{ name: 'CHAMPION_PARAMETER', value: champion }, { name: 'RENDERED_MODEL_ARTIFACT_URI', value: view.artifactUriForVariant(v.name) }] : []),
      ...env({
        MODEL_DIR, EXTRACT_PY, HOME: '/tmp', AWS_MAX_ATTEMPTS: '10', AWS_RETRY_MODE: 'adaptive', ...(p.region ? { AWS_REGION: p.region } : {}),
      }),
    ],
    resources: { requests: { cpu: quantity('250m'), memory: quantity('256Mi') }, limits: { memory: quantity('512Mi') } },
    securityContext: sc,
    volumeMounts: [{ name: 'model', mountPath: MODEL_DIR }, { name: 'tmp', mountPath: '/tmp' }],
  };

  const model: k8s.Container = {
    name: 'model',
    image: v.image ?? p.image,
    ports: proxy ? undefined : [{ name: 'http', containerPort: view.port, protocol: 'TCP' }],
    env: env({
      ...p.env,
      MODEL_NAME: view.modelName,
      MODEL_VERSION: v.modelVersion,
      VARIANT: v.name,
      MODEL_DIR,
      HOST: proxy ? '127.0.0.1' : '0.0.0.0',
      PORT: String(view.port),
    }),
    resources: { requests, limits },
    readinessProbe: {
      httpGet: { path: p.readinessPath ?? DEFAULTS.readinessPath, port: probePort },
      periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3,
    },
    livenessProbe: {
      httpGet: { path: livenessPath, port: probePort },
      periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6,
    },
    startupProbe: {
      httpGet: { path: livenessPath, port: probePort },
      periodSeconds: 10, timeoutSeconds: 5, failureThreshold: Math.ceil(startupTimeout / 10),
    },
    lifecycle: preStopHook,
    securityContext: sc,
    volumeMounts: [{ name: 'model', mountPath: MODEL_DIR, readOnly: true }, { name: 'tmp', mountPath: '/tmp' }],
  };

  const containers = [model];
  const volumes: k8s.Volume[] = [
    { name: 'model', emptyDir: { sizeLimit: quantity(p.modelVolumeSizeLimit ?? DEFAULTS.modelVolumeSizeLimit) } },
    { name: 'tmp', emptyDir: { sizeLimit: quantity('1Gi') } },
  ];
  if (proxy) {
    const mounts: k8s.VolumeMount[] = [{ name: 'proxy-tmp', mountPath: '/tmp' }];
    volumes.push({ name: 'proxy-tmp', emptyDir: { sizeLimit: quantity('256Mi') } });
    if (proxy.spillVolume) {
      mounts.push({ name: 'proxy-spill', mountPath: proxy.spillVolume.mountPath });
      volumes.push({ name: 'proxy-spill', emptyDir: { sizeLimit: quantity(proxy.spillVolume.sizeLimit) } });
    }
    const proxyMemory = proxy.resources?.memory ?? DEFAULTS.proxyMemory;
    containers.push({
      name: proxy.name ?? 'proxy',
      image: proxy.image,
      ports: [{ name: 'http', containerPort: proxy.containerPort, protocol: 'TCP' }],
      env: env({
        ...proxy.env,
        LISTEN_PORT: String(proxy.containerPort),
        UPSTREAM_URL: `http://127.0.0.1:${view.port}`,
        MODEL_NAME: view.modelName,
        MODEL_VERSION: v.modelVersion,
        VARIANT: v.name,
        NAMESPACE: view.namespaceName,
        ...(proxy.spillVolume ? { SPILL_DIR: proxy.spillVolume.mountPath } : {}),
      }),
      resources: {
        requests: { cpu: quantity(proxy.resources?.cpu ?? DEFAULTS.proxyCpu), memory: quantity(proxyMemory) },
        limits: { memory: quantity(proxyMemory) },
      },
      livenessProbe: { tcpSocket: { port: intOrString(proxy.containerPort) }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 6 },
      lifecycle: preStopHook,
      securityContext: sc,
      volumeMounts: mounts,
    });
  }

  const selector = variantSelector(view, v.name);
  const spread = (topologyKey: string, strict: boolean): k8s.TopologySpreadConstraint => ({
    topologyKey,
    maxSkew: 1,
    whenUnsatisfiable: strict ? 'DoNotSchedule' : 'ScheduleAnyway',
    labelSelector: { matchLabels: selector },
  });

  return {
    // replicas stays unset: the HPA owns it.
    selector: { matchLabels: selector },
    revisionHistoryLimit: 5,
    progressDeadlineSeconds: Math.max(600, startupTimeout + 120),
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: intOrString(0), maxSurge: intOrString(1) } },
    template: {
      metadata: {
        labels: {
          ...selector,
          ...segmentLabels(view, v.name),
          'app.kubernetes.io/component': 'inference',
          'app.kubernetes.io/part-of': 'cdk-mlops',
        },
        // What the pods load: the init container and MODEL_VERSION read these (downward API); the
        // retraining loop's canary/promote/rollback patches change them, which rolls the pods.
        annotations: modelAnnotations(view, v),
      },
      spec: {
        serviceAccountName: view.serviceAccountName,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: restrictedPodSecurityContext(user),
        terminationGracePeriodSeconds: p.terminationGracePeriodSeconds ?? DEFAULTS.terminationGracePeriodSeconds,
        initContainers: [fetch],
        containers,
        volumes,
        nodeSelector: gpus > 0 ? (p.gpuNodeSelector ?? DEFAULT_GPU_NODE_SELECTOR) : undefined,
        tolerations: gpus > 0 ? [{ key: GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' }] : undefined,
        topologySpreadConstraints: [
          spread('topology.kubernetes.io/zone', p.strictZoneSpread ?? false),
          spread('kubernetes.io/hostname', false),
        ],
      },
    },
  };
}
