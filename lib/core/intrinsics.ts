// The one flattener of CloudFormation intrinsics. It renders a resolved value the way cdk-nag
// names its granular findings (`<Logical.Arn>`, `<AWS::Partition>`), which is what the
// acknowledgements that embed resource names must match.

/** Flattens a resolved CloudFormation value into the string cdk-nag would show. */
export function flattenIntrinsic(node: unknown): string {
  if (node === undefined || node === null) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node !== 'object') return String(node);
  const o = node as Record<string, any>;
  if (o['Fn::Join']) {
    const [sep, items] = o['Fn::Join'];
    return (items as unknown[]).map(flattenIntrinsic).join(sep);
  }
  if (o['Fn::Sub']) return flattenIntrinsic(o['Fn::Sub']);
  if (o['Fn::GetAtt']) return `<${flattenIntrinsic(o['Fn::GetAtt'][0])}.${flattenIntrinsic(o['Fn::GetAtt'][1])}>`;
  if (o['Fn::ImportValue']) return flattenIntrinsic(o['Fn::ImportValue']);
  if (o.Ref) return `<${flattenIntrinsic(o.Ref)}>`;
  return JSON.stringify(node);
}
