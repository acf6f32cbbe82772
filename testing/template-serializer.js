// Snapshot serializer for CloudFormation templates, so a review shows what changed:
// - asset hashes (64 hex chars) are replaced, so a handler's bytes do not churn snapshots;
// - aws-cdk-lib's own mappings (`awscdk…`, e.g. the Firehose CIDR blocks per region) are
//   dropped, so an aws-cdk-lib upgrade does not churn every snapshot;
// - every Kubernetes manifest (`Custom::AWSCDK-EKS-KubernetesResource`, a JSON string or an
//   `Fn::Join` of strings and tokens) is parsed back into objects, one line per field, with
//   tokens shown as `${Ref:Logical}` / `${GetAtt:Logical.Attr}` (an `Fn::Sub` as its own text), so a one-prop change is a
//   one-line diff instead of an 8,000-character string.
const HASH = /[0-9a-f]{64}/g;
const DONE = Symbol('cdk-mlops template serialized');

function tokenText(node) {
  if (typeof node === 'string') return node;
  if (node && node.Ref !== undefined) return `\${Ref:${node.Ref}}`;
  if (node && node['Fn::GetAtt']) return `\${GetAtt:${[].concat(node['Fn::GetAtt']).join('.')}}`;
  if (node && node['Fn::Join']) return node['Fn::Join'][1].map(tokenText).join(node['Fn::Join'][0]);
  if (node && typeof node['Fn::Sub'] === 'string') return node['Fn::Sub'];
  return `\${${JSON.stringify(node).replace(/"/g, "'")}}`;
}

/** Parses a manifest (string or Fn::Join) into objects; leaves it as it is when it is not JSON. */
function readableManifest(manifest) {
  const text = tokenText(manifest);
  try {
    return JSON.parse(text);
  } catch {
    return manifest;
  }
}

function readableTemplate(template) {
  const t = JSON.parse(JSON.stringify(template).replace(HASH, '[HASH REMOVED]'));
  if (t.Mappings) {
    for (const name of Object.keys(t.Mappings)) if (name.startsWith('awscdk')) delete t.Mappings[name];
    if (Object.keys(t.Mappings).length === 0) delete t.Mappings;
  }
  for (const r of Object.values(t.Resources ?? {})) {
    if (r.Type === 'Custom::AWSCDK-EKS-KubernetesResource' && r.Properties && r.Properties.Manifest !== undefined) {
      r.Properties.Manifest = readableManifest(r.Properties.Manifest);
    }
  }
  Object.defineProperty(t, DONE, { value: true, enumerable: false });
  return t;
}

module.exports = {
  readableTemplate,
  test: (val) => val !== null && typeof val === 'object' && !Array.isArray(val) && !val[DONE]
    && typeof val.Resources === 'object' && val.Resources !== null,
  serialize: (val, config, indentation, depth, refs, printer) => printer(readableTemplate(val), config, indentation, depth, refs),
};
