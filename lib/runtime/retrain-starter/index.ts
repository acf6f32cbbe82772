/**
 * Lambda entry point of the retrain starter (see ./starter.ts for the logic).
 *
 * The Step Functions and SSM clients come from the AWS SDK v3 that the
 * Node.js Lambda runtime ships, loaded at run time (`module.require` with a
 * computed name keeps esbuild from trying to bundle them: they are not
 * dependencies of this package).
 */
import { handleEvent, settingsFromEnv, StarterDeps } from './starter';

const runtimeRequire = (name: string): any => module.require(name);

let deps: StarterDeps | undefined;

function awsDeps(): StarterDeps {
  const sfnSdk = runtimeRequire(['@aws-sdk', 'client-sfn'].join('/'));
  const ssmSdk = runtimeRequire(['@aws-sdk', 'client-ssm'].join('/'));
  const sfn = new sfnSdk.SFNClient({});
  const ssm = new ssmSdk.SSMClient({});
  const prefix = process.env.CONFIG_PREFIX ?? '';
  return {
    async startExecution(req) {
      const out = await sfn.send(new sfnSdk.StartExecutionCommand(req));
      return { executionArn: out.executionArn };
    },
    async listModels() {
      const names: string[] = [];
      let token: string | undefined;
      do {
        const out = await ssm.send(new ssmSdk.GetParametersByPathCommand({ Path: prefix.replace(/\/$/, ''), NextToken: token, Recursive: false }));
        for (const p of out.Parameters ?? []) names.push(String(p.Name).slice(prefix.length));
        token = out.NextToken;
      } while (token);
      return names.sort();
    },
    log(entry) { console.log(JSON.stringify(entry)); },
  };
}

export async function handler(event: unknown): Promise<unknown> {
  deps = deps ?? awsDeps();
  const results = await handleEvent(event, settingsFromEnv(process.env), deps);
  return { results };
}
