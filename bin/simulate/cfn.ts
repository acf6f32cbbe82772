/**
 * Reads a synthesized CloudFormation template the way the simulation needs it:
 * CloudFormation intrinsics (Ref, Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split)
 * are resolved to stable placeholders — ARNs keep their real shape with a fake
 * account and region — so the state machine definitions and the per-model
 * records can be parsed as JSON and executed.
 */

export const PLACEHOLDER_ACCOUNT = '123456789012';
export const PLACEHOLDER_REGION = 'us-east-1';

export interface Template {
  Resources: Record<string, { Type: string; Properties?: any; Metadata?: any; DependsOn?: any }>;
  [k: string]: any;
}

/** A resolver of CloudFormation intrinsics to placeholder strings. */
export class PlaceholderResolver {
  constructor(private readonly template: Template, private readonly stackName: string) {}

  /** Resolves every intrinsic in `value` (recursively). */
  public resolve(value: any): any {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const k = keys[0];
      const arg = value[k];
      switch (k) {
        case 'Ref': return this.ref(arg);
        case 'Fn::GetAtt': return this.getAtt(Array.isArray(arg) ? arg : String(arg).split('.'));
        case 'Fn::Join': {
          const [sep, parts] = arg;
          return (this.resolve(parts) as any[]).map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(sep);
        }
        case 'Fn::Select': {
          const [index, list] = arg;
          const l = this.resolve(list);
          return Array.isArray(l) ? l[Number(this.resolve(index))] : `${l}`;
        }
        case 'Fn::Split': {
          const [sep, s] = arg;
          return String(this.resolve(s)).split(sep);
        }
        case 'Fn::Sub': {
          const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
          return String(text).replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
            if (vars && name in vars) return String(this.resolve(vars[name]));
            return name.includes('.') ? String(this.getAtt(name.split('.'))) : String(this.ref(name));
          });
        }
        case 'Fn::ImportValue': return `imported-${this.resolve(arg)}`;
        case 'Fn::If': return this.resolve(arg[1]);
        case 'Fn::Base64': return Buffer.from(String(this.resolve(arg))).toString('base64');
        default: break;
      }
    }
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(value)) out[k] = this.resolve(v);
    return out;
  }

  private ref(name: string): string {
    switch (name) {
      case 'AWS::Partition': return 'aws';
      case 'AWS::Region': return PLACEHOLDER_REGION;
      case 'AWS::AccountId': return PLACEHOLDER_ACCOUNT;
      case 'AWS::URLSuffix': return 'amazonaws.com';
      case 'AWS::StackName': return this.stackName;
      case 'AWS::StackId': return `arn:aws:cloudformation:${PLACEHOLDER_REGION}:${PLACEHOLDER_ACCOUNT}:stack/${this.stackName}/0`;
      case 'AWS::NoValue': return '';
      default: break;
    }
    const r = this.template.Resources?.[name];
    if (!r) return `param-${name}`;
    const p = r.Properties ?? {};
    switch (r.Type) {
      case 'AWS::StepFunctions::StateMachine': return arn('states', `stateMachine:${p.StateMachineName ?? name}`);
      case 'AWS::SNS::Topic': return arn('sns', p.TopicName ?? name);
      case 'AWS::SQS::Queue': return `https://sqs.${PLACEHOLDER_REGION}.amazonaws.com/${PLACEHOLDER_ACCOUNT}/${name}`;
      case 'AWS::IAM::Role': return p.RoleName ?? name;
      case 'AWS::SSM::Parameter': return typeof p.Name === 'string' ? p.Name : name;
      case 'AWS::DynamoDB::Table': return p.TableName ?? name;
      case 'AWS::Lambda::Function': return p.FunctionName ?? name;
      case 'AWS::S3::Bucket': return (p.BucketName ?? name).toLowerCase();
      case 'AWS::KMS::Key': return `key-${name}`;
      case 'AWS::CloudWatch::Alarm': return typeof p.AlarmName === 'string' ? p.AlarmName : name;
      default: return name;
    }
  }

  private getAtt([name, attr]: string[]): string {
    const r = this.template.Resources?.[name];
    const type = r?.Type ?? '';
    const p = r?.Properties ?? {};
    if (attr === 'Arn') {
      switch (type) {
        case 'AWS::Lambda::Function': return arn('lambda', `function:${p.FunctionName ?? name}`);
        case 'AWS::DynamoDB::Table': return arn('dynamodb', `table/${p.TableName ?? name}`);
        case 'AWS::IAM::Role': return `arn:aws:iam::${PLACEHOLDER_ACCOUNT}:role/${p.RoleName ?? name}`;
        case 'AWS::SQS::Queue': return arn('sqs', name);
        case 'AWS::KMS::Key': return arn('kms', `key/${name}`);
        case 'AWS::S3::Bucket': return `arn:aws:s3:::${(p.BucketName ?? name).toLowerCase()}`;
        case 'AWS::CloudWatch::Alarm': return arn('cloudwatch', `alarm:${typeof p.AlarmName === 'string' ? p.AlarmName : name}`);
        case 'AWS::Logs::LogGroup': return arn('logs', `log-group:${name}:*`);
        case 'AWS::EKS::Cluster': return arn('eks', `cluster/${name}`);
        case 'AWS::SageMaker::ModelPackageGroup': return arn('sagemaker', `model-package-group/${p.ModelPackageGroupName ?? name}`);
        case 'AWS::Events::Rule': return arn('events', `rule/${p.Name ?? name}`);
        default: return arn('unknown', name);
      }
    }
    if (type === 'AWS::EKS::Cluster' || type.startsWith('Custom::')) {
      if (attr === 'Endpoint') return `https://${name}.eks.simulated`;
      if (attr === 'CertificateAuthorityData') return `CA-${name}`;
    }
    if (attr === 'Name' && type === 'AWS::StepFunctions::StateMachine') return p.StateMachineName ?? name;
    return `${name}.${attr}`;
  }
}

function arn(service: string, resource: string): string {
  return `arn:aws:${service}:${PLACEHOLDER_REGION}:${PLACEHOLDER_ACCOUNT}:${resource}`;
}

/** The state machines of a template: logical id, construct path and the parsed definition. */
export function stateMachines(
  template: Template,
  resolver: PlaceholderResolver,
): { logicalId: string; path: string; definition: any; arn: string }[] {
  const out: { logicalId: string; path: string; definition: any; arn: string }[] = [];
  for (const [id, r] of Object.entries(template.Resources ?? {})) {
    if (r.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const raw = r.Properties?.DefinitionString;
    const text = resolver.resolve(raw);
    out.push({
      logicalId: id,
      path: String(r.Metadata?.['aws:cdk:path'] ?? id),
      definition: typeof text === 'string' ? JSON.parse(text) : text,
      arn: resolver.resolve({ Ref: id }),
    });
  }
  return out;
}

/**
 * The KMS key policy of an encrypted SQS queue of the template (`KmsMasterKeyId` naming a key of the
 * template), resolved; undefined when the queue is not encrypted with a key of the template.
 */
export function queueKeyPolicy(template: Template, resolver: PlaceholderResolver, queueLogicalId: string): any | undefined {
  const queue = template.Resources[queueLogicalId];
  const keyRef = queue?.Properties?.KmsMasterKeyId;
  const keyId: string | undefined = keyRef?.['Fn::GetAtt']?.[0] ?? keyRef?.Ref;
  const key = keyId ? template.Resources[keyId] : undefined;
  return key?.Type === 'AWS::KMS::Key' ? resolver.resolve(key.Properties.KeyPolicy) : undefined;
}
