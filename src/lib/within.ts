/**
 * `promise`, or a rejection once `ms` have passed without it settling: for calls to a server that
 * may stop answering without closing the connection, where waiting for ever would hold whatever the
 * caller holds meanwhile.
 */
export function within<T>(promise: Promise<T>, ms: number, what = 'no answer'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
