#!/usr/bin/env node
// The `cdk.json` app: every example stack, checked by cdk-nag (AwsSolutions)
// through CDK's policy-validation plugin API, so `cdk synth` fails on any
// unacknowledged finding.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EXAMPLES } from '../examples';

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
const only = process.env.CDK_MLOPS_EXAMPLE;
for (const [name, factory] of Object.entries(EXAMPLES)) {
  if (!only || only === name) factory(app);
}
app.synth();
