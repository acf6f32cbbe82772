/**
 * A CloudFormation value (`Fn::Join` of strings and tokens, e.g. a dashboard body) as text, tokens as `${Ref:X}` /
 * `${GetAtt:X.Y}` (like testing/template-serializer.js), anything else as `${<its JSON>}`.
 */
export function tokenText(node: any): string {
  if (typeof node === 'string') return node;
  if (node?.Ref !== undefined) return `\${Ref:${node.Ref}}`;
  if (node?.['Fn::GetAtt']) return `\${GetAtt:${[].concat(node['Fn::GetAtt']).join('.')}}`;
  if (node?.['Fn::Join']) return node['Fn::Join'][1].map(tokenText).join(node['Fn::Join'][0]);
  return `\${${JSON.stringify(node).replace(/"/g, "'")}}`;
}
