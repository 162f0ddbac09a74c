import { spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './support/stores.js';
import { createTestStores, type TestStores } from './support/system.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * Runs the CLI to its end; returns its exit code and everything it printed. A CLI that starts
 * although the test expected a refusal is stopped once it says it is up (its code is then null).
 */
function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (/"msg":"(API|payment simulator) listening"/.test(output)) child.kill('SIGKILL');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('start-up', () => {
  let stores: TestStores;

  afterAll(async () => {
    await stores?.cleanup();
  });

  it('says which store is unreachable and how to start it', async () => {
    stores ??= await createTestStores();
    const redisDown = await runCli(['api'], { ...stores.env, REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    expect(redisDown.code).toBe(1);
    expect(redisDown.output).toContain('Redis is not reachable');
    expect(redisDown.output).toContain('redis-server --daemonize yes');

    const postgresDown = await runCli(['api'], { ...stores.env, DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/x` });
    expect(postgresDown.code).toBe(1);
    expect(postgresDown.output).toContain('Postgres is not reachable');
    expect(postgresDown.output).toContain('pg_ctlcluster');
  });

  it('refuses a bad setting with a message naming it, and an unknown role with its usage', async () => {
    const badPort = await runCli(['api'], { PORT: 'eighty', RESERVATION_TTL_SECONDS: '0' });
    expect(badPort.code).toBe(1);
    expect(badPort.output).toContain('PORT');
    expect(badPort.output).toContain('RESERVATION_TTL_SECONDS');

    const unknownRole = await runCli(['cashier'], {});
    expect(unknownRole.code).toBe(2);
    expect(unknownRole.output).toContain('usage: flashcart <role>');

    // Names every object has: `flashcart constructor` started nothing and exited 0.
    for (const inherited of ['constructor', 'toString']) {
      const answer = await runCli([inherited], {});
      expect(answer.code).toBe(2);
      expect(answer.output).toContain('usage: flashcart <role>');
    }
  });

  it('refuses a TRUST_PROXY that is neither true, false nor addresses, naming it, without a stack trace', async () => {
    for (const value of ['yes', 'not an address', '10.0.0.0/33']) {
      stores ??= await createTestStores();
      const answer = await runCli(['api'], { ...stores.env, LOG_LEVEL: 'info', TRUST_PROXY: value });
      expect(answer.code).toBe(1);
      expect(answer.output).toContain(`flashcart cannot start: Invalid configuration:\n  - TRUST_PROXY:`);
      expect(answer.output).not.toMatch(/^\s+at /m);
    }
  });

  it('refuses a number setting that is blank or not written as a plain decimal number, rather than reading it as another number', async () => {
    // Number(' ') is 0: RATE_LIMIT_PER_MINUTE=' ' turned rate limiting off, PORT=' ' took any free port.
    stores ??= await createTestStores();
    const odd = { RATE_LIMIT_PER_MINUTE: ' ', PORT: ' ', RESERVATION_TTL_SECONDS: '1e3', ABANDONED_CART_AFTER_HOURS: '0x10' };
    const answer = await runCli(['api'], { ...stores.env, LOG_LEVEL: 'info', ...odd });
    expect(answer.code).toBe(1);
    for (const name of ['RATE_LIMIT_PER_MINUTE', 'PORT', 'RESERVATION_TTL_SECONDS', 'ABANDONED_CART_AFTER_HOURS']) {
      expect(answer.output).toContain(`  - ${name}: `);
    }
  });

  it('says what Postgres refused when it answers but will not let flashcart in, naming DATABASE_URL, without a stack trace', async () => {
    stores ??= await createTestStores();
    const server = new URL(stores.env.DATABASE_URL!);
    const noRole = new URL(server);
    noRole.username = 'no_such_role_for_flashcart';
    const refused = await runCli(['api'], { ...stores.env, LOG_LEVEL: 'info', DATABASE_URL: noRole.toString() });
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('role "no_such_role_for_flashcart" does not exist');
    expect(refused.output).toContain('DATABASE_URL');
    expect(refused.output).not.toMatch(/^\s+at /m);

    const noDatabase = new URL(server);
    noDatabase.pathname = '/';
    const unnamed = await runCli(['api'], { ...stores.env, LOG_LEVEL: 'info', DATABASE_URL: noDatabase.toString() });
    expect(unnamed.code).toBe(1);
    expect(unnamed.output).toContain('DATABASE_URL names no database');
    expect(unnamed.output).not.toMatch(/^\s+at /m);
  });

  it('says Redis refused flashcart, not that it is unreachable, when it answers but refuses the credentials in REDIS_URL', async () => {
    stores ??= await createTestStores();
    const withPassword = new URL(stores.env.REDIS_URL!);
    withPassword.username = 'no_such_user_for_flashcart';
    withPassword.password = 'not-the-password';
    const refused = await runCli(['api'], { ...stores.env, LOG_LEVEL: 'info', REDIS_URL: withPassword.toString() });
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('Redis at 127.0.0.1');
    expect(refused.output).toContain('refused');
    expect(refused.output).toContain('REDIS_URL');
    expect(refused.output).not.toContain('Start it');
    expect(refused.output).not.toContain('not-the-password');
  });

  it('says that two of its own listeners share a port, naming both settings, rather than blaming another process', async () => {
    stores ??= await createTestStores();
    const port = await freePort();
    const all = await runCli(['all'], { ...stores.env, LOG_LEVEL: 'info', PORT: String(port), PSP_SIM_PORT: String(port) });
    expect(all.code).toBe(1);
    expect(all.output).toContain(`flashcart cannot start: PSP_SIM_PORT=${port} and PORT=${port}: this process would listen on port ${port} twice.`);
    expect(all.output).not.toContain('another process');
    expect(all.output).not.toMatch(/^\s+at /m);
  });

  it('names the setting whose port is taken, for the API, the payment simulator and the SMTP sink, without a stack trace', async () => {
    stores ??= await createTestStores();
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const api = await runCli(['api'], { ...stores.env, LOG_LEVEL: 'info', PORT: String(port) });
      expect(api.code).toBe(1);
      expect(api.output).toContain(`flashcart cannot start: PORT=${port}: 127.0.0.1:${port} is already in use`);
      expect(api.output).not.toMatch(/^\s+at /m);

      const psp = await runCli(['psp-sim'], { ...stores.env, LOG_LEVEL: 'info', PSP_SIM_PORT: String(port) });
      expect(psp.code).toBe(1);
      expect(psp.output).toContain(`flashcart cannot start: PSP_SIM_PORT=${port}: 127.0.0.1:${port} is already in use`);
      expect(psp.output).not.toMatch(/^\s+at /m);

      // Not even as a logged error's JSON stack before it.
      const sink = await runCli(['smtp-sink'], { ...stores.env, LOG_LEVEL: 'info', SMTP_SINK_PORT: String(port) });
      expect(sink.code).toBe(1);
      expect(sink.output).toContain(`flashcart cannot start: SMTP_SINK_PORT=${port}: 127.0.0.1:${port} is already in use`);
      expect(sink.output).not.toContain('"stack"');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
