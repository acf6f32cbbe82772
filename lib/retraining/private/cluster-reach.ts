// How the retraining loop reaches a model's Kubernetes API. Step Functions' `eks:call` supports only
// clusters whose endpoint is public (and open to AWS's addresses): https://docs.aws.amazon.com/step-functions/latest/dg/connect-eks.html.
// A private-endpoint cluster (the GpuCluster default) is reached through a small function in its VPC
// (lib/runtime/kube-call) that takes eks:call's parameters and returns eks:call's result.
import { Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';

/** How a cluster's API endpoint is reachable. */
export enum ClusterReach {
  /** Public endpoint open to every address: Step Functions `eks:call`. */
  EKS_CALL = 'eks-call',
  /** Private endpoint (no usable public one): an in-VPC function. */
  IN_VPC = 'in-vpc',
  /** Neither (public endpoint restricted by CIDR, no private endpoint). */
  UNREACHABLE = 'unreachable',
}

/**
 * The reach of a cluster defined in this app (an `aws-eks-v2` Cluster); `undefined` for an imported
 * cluster, whose endpoint access the app cannot see (treated as public, as eks:call requires).
 */
export function clusterReach(cluster: eks.ICluster): ClusterReach | undefined {
  const cfn = cluster.node.defaultChild;
  if (!(cfn instanceof eks.CfnCluster)) return undefined;
  const config = Stack.of(cfn).resolve(cfn.resourcesVpcConfig) ?? {};
  // CloudFormation defaults: public access on, private access off, public CIDRs 0.0.0.0/0.
  const publicAccess = config.endpointPublicAccess ?? config.EndpointPublicAccess ?? true;
  const privateAccess = config.endpointPrivateAccess ?? config.EndpointPrivateAccess ?? false;
  const cidrs: string[] | undefined = config.publicAccessCidrs ?? config.PublicAccessCidrs;
  const openToAll = cidrs === undefined || cidrs.length === 0 || cidrs.includes('0.0.0.0/0');
  if (publicAccess === true && openToAll) return ClusterReach.EKS_CALL;
  if (privateAccess === true) return ClusterReach.IN_VPC;
  return ClusterReach.UNREACHABLE;
}
