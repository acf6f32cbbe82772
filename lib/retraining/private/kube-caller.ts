// The in-VPC Kubernetes API caller of a RetrainTrigger (see cluster-reach.ts for when it is used).
import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { createHandlerFunction } from '../../core/handler-function';
import { acknowledgeManagedPolicies } from '../../core/nag';
import { invalid } from '../../core/validation';

/** The in-VPC Kubernetes API caller of a trigger. */
export interface KubeCaller {
  readonly fn: lambda.Function;
  readonly role: iam.Role;
  readonly vpc: ec2.IVpc;
  readonly securityGroup: ec2.SecurityGroup;
  /** The private cluster it was created for. */
  readonly cluster: eks.ICluster;
  /** Clusters whose security group admits it. */
  readonly allowed: Set<eks.ICluster>;
}

/** What the caller is created with. */
export interface KubeCallerOptions {
  readonly encryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /** The role that invokes it (the retraining state machine's). */
  readonly stateMachineRole: iam.Role;
}

/** Creates the caller in the cluster's VPC (private subnets) and lets the state machine invoke it. */
export function createKubeCaller(scope: Construct, cluster: eks.ICluster, o: KubeCallerOptions): KubeCaller {
  const vpc = cluster.vpc;
  const subnets = vpc.privateSubnets.length > 0 ? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }
    : vpc.isolatedSubnets.length > 0 ? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } : undefined;
  if (!subnets) {
    invalid(scope, 'cluster', cluster.node.path, 'has a private endpoint but its VPC has no private subnets for the function that calls the Kubernetes API from inside the VPC: give the VPC private subnets, or the cluster EndpointAccess.PUBLIC_AND_PRIVATE');
  }
  const securityGroup = new ec2.SecurityGroup(scope, 'KubeCallerSecurityGroup', {
    vpc,
    allowAllOutbound: false,
    description: `cdk-mlops RetrainTrigger ${scope.node.path}: in-VPC Kubernetes API caller`,
  });
  const caller = createHandlerFunction(scope, {
    asset: 'kube-call',
    ids: { function: 'KubeCaller', role: 'KubeCallerRole', logs: 'KubeCallerLogs' },
    description: 'cdk-mlops RetrainTrigger: calls the Kubernetes API of a private-endpoint cluster for the retraining state machine',
    roleDescription: `cdk-mlops RetrainTrigger ${scope.node.path}: in-VPC Kubernetes API caller (mapped by an EKS access entry to the model namespaces' RBAC)`,
    encryptionKey: o.encryptionKey,
    logRetention: o.logRetention,
    memorySize: 256,
    timeout: Duration.seconds(30),
    vpc: { vpc, subnets, securityGroups: [securityGroup] },
  });
  o.stateMachineRole.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'CallKubernetesApi',
    actions: ['lambda:InvokeFunction'],
    resources: [caller.fn.functionArn],
  }));
  acknowledgeManagedPolicies(caller.role, () => 'AWSLambdaVPCAccessExecutionRole: the network interfaces a function in a VPC needs (CDK adds it for a function with a VPC).');
  return { ...caller, vpc, securityGroup, cluster, allowed: new Set() };
}
