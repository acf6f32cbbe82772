// aws-local-stepfunctions 3.x uses Promise.withResolvers (Node >= 22); this CLI also runs on Node 20.
const P = Promise as any;
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = function withResolvers() {
    let resolve: (v: unknown) => void = () => undefined;
    let reject: (e: unknown) => void = () => undefined;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}
export {};
