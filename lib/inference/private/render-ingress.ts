// Traffic into the model: the NetworkPolicies (default deny, then the load balancer and named namespaces)
// and the ALB Ingress of the AWS Load Balancer Controller (weighted target groups across the variants).
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { ENDPOINT_SERVICE_PORT, ENDPOINT_WEIGHTED_ACTION, segmentWeightedAction } from '../../contracts/endpoint-wiring';
import type { SegmentMatch } from '../inference-types';
import { DEFAULTS } from './inference-options';
import { intOrString, k8s } from './k8s';
import { ServiceView, objectMeta } from './render-context';

/** The default-deny NetworkPolicy and the one admitting the load balancer and the allowed namespaces. */
export function renderNetworkPolicies(scope: Construct, view: ServiceView): void {
  new k8s.KubeNetworkPolicy(scope, 'DefaultDeny', {
    metadata: objectMeta(view, 'default-deny-ingress'),
    spec: { podSelector: {}, policyTypes: ['Ingress'] },
  });
  const cidrs = view.props.loadBalancerSourceCidrs ?? ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];
  const from: k8s.NetworkPolicyPeer[] = [
    ...cidrs.map((cidr) => ({ ipBlock: { cidr } })),
    ...(view.props.allowedNamespaces ?? []).map((ns) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } })),
  ];
  new k8s.KubeNetworkPolicy(scope, 'AllowServing', {
    metadata: objectMeta(view, `${view.modelName}-allow-serving`),
    spec: {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': view.modelName, 'app.kubernetes.io/component': 'inference' } },
      policyTypes: ['Ingress'],
      // The named port resolves to the proxy's port when there is one, else the model's.
      ingress: [{ from, ports: [{ port: intOrString('http'), protocol: 'TCP' }] }],
    },
  });
}

/** The ALB Ingress (AWS Load Balancer Controller annotations), its weighted action rendered at synth. */
export function renderIngress(scope: Construct, view: ServiceView, ingressName: string): void {
  const p = view.props;
  const grace = p.terminationGracePeriodSeconds ?? DEFAULTS.terminationGracePeriodSeconds;
  const annotations: Record<string, string> = {
    'alb.ingress.kubernetes.io/scheme': p.internetFacing ? 'internet-facing' : 'internal',
    'alb.ingress.kubernetes.io/target-type': 'ip',
    'alb.ingress.kubernetes.io/healthcheck-path': p.readinessPath ?? DEFAULTS.readinessPath,
    'alb.ingress.kubernetes.io/success-codes': '200',
    'alb.ingress.kubernetes.io/load-balancer-attributes': 'routing.http.drop_invalid_header_fields.enabled=true',
    'alb.ingress.kubernetes.io/target-group-attributes': `deregistration_delay.timeout_seconds=${Math.min(30, grace)}`,
    // Weighted target groups across the variants, rendered at synth so addVariant() is reflected.
    [`alb.ingress.kubernetes.io/actions.${ENDPOINT_WEIGHTED_ACTION}`]: Lazy.any({
      produce: () => JSON.stringify({
        type: 'forward',
        forwardConfig: {
          targetGroups: view.variants.map((v) => ({
            serviceName: view.serviceNameForVariant(v.name), servicePort: String(ENDPOINT_SERVICE_PORT), weight: v.weight,
          })),
          targetGroupStickinessConfig: { enabled: false },
        },
      }),
    }),
  };
  if (p.certificateArn) {
    annotations['alb.ingress.kubernetes.io/listen-ports'] = '[{"HTTP":80},{"HTTPS":443}]';
    annotations['alb.ingress.kubernetes.io/certificate-arn'] = p.certificateArn;
    annotations['alb.ingress.kubernetes.io/ssl-policy'] = 'ELBSecurityPolicy-TLS13-1-2-2021-06';
    annotations['alb.ingress.kubernetes.io/ssl-redirect'] = '443';
  } else {
    annotations['alb.ingress.kubernetes.io/listen-ports'] = '[{"HTTP":80}]';
  }
  // Per-segment rules first (the controller orders a rule's paths as listed), then the default route (weighted
  // variants). Each segment has its own forward action (alb.ingress.kubernetes.io/actions.weighted-routing-<segment>)
  // with its conditions keyed by the action's name (conditions.<action>): all traffic on the segment's Service, until
  // a retrain canaries a candidate on the segment's canary Service (rendered by addSegmentCanary) and patches the weights.
  for (const seg of view.segments) {
    const action = segmentWeightedAction(seg.name);
    annotations[`alb.ingress.kubernetes.io/actions.${action}`] = Lazy.any({
      produce: () => {
        const canary = view.segmentCanaries.get(seg.name);
        return JSON.stringify({
          type: 'forward',
          forwardConfig: {
            targetGroups: [seg.name, ...(canary ? [canary.name] : [])].map((variant) => ({
              serviceName: view.serviceNameForVariant(variant), servicePort: String(ENDPOINT_SERVICE_PORT), weight: variant === seg.name ? 100 : 0,
            })),
            targetGroupStickinessConfig: { enabled: false },
          },
        });
      },
    });
    annotations[`alb.ingress.kubernetes.io/conditions.${action}`] = JSON.stringify([segmentCondition(seg.match)]);
  }
  const segmentPaths: k8s.HttpIngressPath[] = view.segments.map((seg) => ({
    path: '/', pathType: 'Prefix', backend: { service: { name: segmentWeightedAction(seg.name), port: { name: 'use-annotation' } } },
  }));
  new k8s.KubeIngress(scope, 'Ingress', {
    metadata: { ...objectMeta(view, ingressName), annotations },
    spec: {
      ingressClassName: 'alb',
      rules: [{
        http: {
          paths: [
            ...segmentPaths,
            { path: '/', pathType: 'Prefix', backend: { service: { name: ENDPOINT_WEIGHTED_ACTION, port: { name: 'use-annotation' } } } },
          ],
        },
      }],
    },
  });
}

/** One ALB rule condition in the Load Balancer Controller's `conditions.<name>` JSON format. */
export function segmentCondition(m: SegmentMatch): Record<string, unknown> {
  return m.header !== undefined
    ? { field: 'http-header', httpHeaderConfig: { httpHeaderName: m.header, values: [...m.values] } }
    : { field: 'query-string', queryStringConfig: { values: m.values.map((value) => ({ key: m.queryParameter, value })) } };
}
