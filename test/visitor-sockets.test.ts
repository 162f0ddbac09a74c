import { afterEach, describe, expect, it } from 'vitest';
import { guests } from './support/http.js';
import { TestSocket } from './support/sockets.js';
import { useSystem } from './support/system.js';

/**
 * Sockets without a token (visitors following stock) cost nothing to open, so each client address
 * may hold only VISITOR_SOCKETS_PER_ADDRESS of them on an instance; sockets with a token are not
 * counted. The address is read as HTTP reads it: behind a trusted proxy, from X-Forwarded-For.
 */
describe('visitor sockets per address', () => {
  const sut = useSystem({ api: true, worker: false }, { VISITOR_SOCKETS_PER_ADDRESS: '3', TRUST_PROXY: '127.0.0.1' });
  const sockets: TestSocket[] = [];
  const open = (auth: Record<string, unknown>, forwardedFor?: string) => {
    const socket = new TestSocket(sut.system.url!, auth, forwardedFor ? { extraHeaders: { 'x-forwarded-for': forwardedFor } } : {});
    sockets.push(socket);
    return socket;
  };

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  it('refuses an address its visitor socket past the cap with RATE_LIMITED, takes sockets with a token, and takes a visitor again once one has gone', async () => {
    const first = [open({}, '203.0.113.7'), open({}, '203.0.113.7'), open({}, '203.0.113.7')];
    for (const socket of first) await socket.connected();
    const refused = await open({}, '203.0.113.7')
      .connected()
      .then(
        () => undefined,
        (error: Error & { data?: { code: string } }) => error,
      );
    expect(refused?.data?.code).toBe('RATE_LIMITED');
    expect(refused?.message).toMatch(/too many connections without a session/);

    // Another address, and sockets with a token from the same one, are not held back.
    await open({}, '203.0.113.8').connected();
    const [buyer] = await guests(sut.system.url!, 1);
    const withToken = open({ token: buyer!.token }, '203.0.113.7');
    await withToken.connected();
    expect(await withToken.next('cart:update')).toMatchObject({ items: [] });

    // One visitor gone, the address may open one more.
    first[0]!.close();
    await new Promise<void>((resolve, reject) => {
      const again = () =>
        open({}, '203.0.113.7')
          .connected()
          .then(resolve, (error: Error & { data?: { code: string } }) =>
            error.data?.code === 'RATE_LIMITED' ? setTimeout(again, 100) : reject(error),
          );
      again();
    });
  });
});
