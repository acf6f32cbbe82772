/**
 * Can a Kubernetes API call of the retraining state machine reach the model's cluster, as the
 * template configures it? The simulator refuses what AWS would:
 * - `eks:call` reaches only a PUBLIC endpoint ("Call Amazon EKS with Step Functions":
 *   https://docs.aws.amazon.com/step-functions/latest/dg/connect-eks.html), and one whose public
 *   access CIDRs admit any address (Step Functions calls from AWS's addresses);
 * - a function in the VPC reaches the PRIVATE endpoint only if it has a VPC configuration and one of the
 *   cluster's security groups admits its security group on 443 (the endpoint's ENIs carry the cluster
 *   security groups: https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html).
 */
import { Template } from './cfn';

const idOf = (x: any): string | undefined => x?.Ref ?? x?.['Fn::GetAtt']?.[0];
const list = (x: any): any[] => (Array.isArray(x) ? x : x === undefined ? [] : [x]);

/** A refusal reason, or undefined when the call gets through. */
export type Reach = (service: string, clusterName: string, functionArnLogicalId?: string) => string | undefined;

export function clusterReachOf(template: Template): Reach {
  const resources = template.Resources;
  const ingress = Object.values(resources).flatMap((r) => {
    if (r.Type === 'AWS::EC2::SecurityGroupIngress') return [{ group: idOf(r.Properties?.GroupId), source: idOf(r.Properties?.SourceSecurityGroupId), from: r.Properties?.FromPort, to: r.Properties?.ToPort }];
    return [];
  });
  return (service, clusterName, fnId) => {
    const cluster = resources[clusterName];
    if (cluster?.Type !== 'AWS::EKS::Cluster') return undefined; // an imported cluster: its endpoint is not in the template
    const c = cluster.Properties?.ResourcesVpcConfig ?? {};
    const publicAccess = c.EndpointPublicAccess ?? true;
    const privateAccess = c.EndpointPrivateAccess ?? false;
    const cidrs: string[] = list(c.PublicAccessCidrs);
    if (service === 'eks:call') {
      if (publicAccess !== true) return `eks:call supports only clusters with a public endpoint; ${clusterName} has endpointPublicAccess false`;
      if (cidrs.length > 0 && !cidrs.includes('0.0.0.0/0')) return `eks:call comes from AWS's addresses; ${clusterName} admits only ${cidrs.join(', ')} on its public endpoint`;
      return undefined;
    }
    // A function in the VPC.
    const fn = fnId ? resources[fnId] : undefined;
    const fnGroups = list(fn?.Properties?.VpcConfig?.SecurityGroupIds).map(idOf);
    if (fnGroups.length === 0) return `function ${fnId} is not in a VPC: it cannot reach the private endpoint of ${clusterName}`;
    if (privateAccess !== true) return `${clusterName} has no private endpoint for the in-VPC function ${fnId}`;
    const clusterGroups = new Set([clusterName, ...list(c.SecurityGroupIds).map(idOf)]);
    const admitted = ingress.some((i) => i.group !== undefined
      && clusterGroups.has(i.group)
      && fnGroups.includes(i.source)
      && i.from <= 443
      && i.to >= 443);
    return admitted ? undefined : `no security group of ${clusterName} admits ${fnId}'s security group on port 443`;
  };
}
