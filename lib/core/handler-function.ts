// The one way the constructs create a pre-bundled Lambda handler: the function, its own role
// (write access to its log group only; callers add the rest), and a KMS-encrypted log group.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { assetPath } from './assets';

export interface HandlerFunctionOptions {
  /** The folder under `assets/` that `npm run bundle` writes the handler to. */
  readonly asset: string;
  readonly description: string;
  readonly roleDescription: string;
  readonly encryptionKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment?: { [key: string]: string };
  /** Construct ids (kept stable: they are the resources' logical ids). */
  readonly ids?: { readonly function?: string; readonly role?: string; readonly logs?: string };
  /** An existing role to use instead of creating one. */
  readonly role?: iam.Role;
  readonly reservedConcurrentExecutions?: number;
  /** Asynchronous invocations: retries, maximum event age, and where failed events go. */
  readonly async?: { readonly retryAttempts: number; readonly maxEventAge: Duration; readonly onFailure: sqs.IQueue };
  readonly tracing?: boolean;
  /** Runs the function in a VPC (its subnets and security groups). */
  readonly vpc?: { readonly vpc: ec2.IVpc; readonly subnets: ec2.SubnetSelection; readonly securityGroups: ec2.ISecurityGroup[] };
  /** Statements the role needs besides writing its logs (added before the function's own grants). */
  readonly statements?: iam.PolicyStatement[];
}

export interface HandlerFunction {
  readonly fn: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
}

/**
 * The newest Node.js runtime the installed aws-cdk-lib knows (what cdk-nag's AwsSolutions-L1
 * compares against), so a newer aws-cdk-lib in the peer range moves the handlers with it.
 */
export function newestNodeRuntime(): lambda.Runtime {
  const version = (r: lambda.Runtime) => Number(/^nodejs(\d+)/.exec(r.name)?.[1] ?? 0);
  const node = lambda.Runtime.ALL.filter((r) => r.family === lambda.RuntimeFamily.NODEJS && /^nodejs\d+/.test(r.name));
  return node.reduce((best, r) => (version(r) > version(best) ? r : best), lambda.Runtime.NODEJS_24_X);
}

/** Creates a pre-bundled handler (ARM64, newest Node.js runtime) in `scope`. */
export function createHandlerFunction(scope: Construct, o: HandlerFunctionOptions): HandlerFunction {
  const ids = { function: 'Handler', role: 'Role', logs: 'Logs', ...o.ids };
  const logGroup = new logs.LogGroup(scope, ids.logs, {
    encryptionKey: o.encryptionKey,
    retention: o.logRetention,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const role = o.role ?? new iam.Role(scope, ids.role, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: o.roleDescription,
  });
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'Logs',
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [logGroup.logGroupArn],
  }));
  for (const statement of o.statements ?? []) role.addToPrincipalPolicy(statement);
  const fn = new lambda.Function(scope, ids.function, {
    description: o.description,
    runtime: newestNodeRuntime(),
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(assetPath(o.asset)),
    memorySize: o.memorySize,
    timeout: o.timeout,
    role,
    logGroup,
    environment: o.environment,
    reservedConcurrentExecutions: o.reservedConcurrentExecutions,
    tracing: o.tracing ? lambda.Tracing.ACTIVE : undefined,
    ...(o.vpc ? { vpc: o.vpc.vpc, vpcSubnets: o.vpc.subnets, securityGroups: o.vpc.securityGroups } : {}),
    ...(o.async ? {
      retryAttempts: o.async.retryAttempts,
      maxEventAge: o.async.maxEventAge,
      onFailure: new destinations.SqsDestination(o.async.onFailure),
    } : {}),
  });
  return { fn, role, logGroup };
}
