import { App, AppProps } from 'aws-cdk-lib';

/**
 * An App for tests. Asset staging is disabled so the 37 MB kubectl layer (and
 * every bundled handler) is referenced in place instead of being copied into a
 * fresh cdk.out for each synthesized stack.
 */
export function testApp(props: AppProps = {}): App {
  return new App({
    ...props,
    context: {
      'aws:cdk:disable-asset-staging': true,
      ...(props.context ?? {}),
    },
  });
}
