import { describe, expect, it } from 'vitest';
import { Coalescer, coalescedLookups } from './coalescer.js';

describe('Coalescer', () => {
  it('hands the calls of one event-loop turn to one batch and answers each in order', async () => {
    const batches: number[][] = [];
    const doubler = new Coalescer<number, number>(
      async (batch) => {
        batches.push(batch);
        return batch.map((n) => n * 2);
      },
      { maxBatch: 100 },
    );
    const first = await Promise.all([1, 2, 3].map((n) => doubler.submit(n)));
    const second = await doubler.submit(4);
    expect(first).toEqual([2, 4, 6]);
    expect(second).toBe(8);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('hands over a full batch at once and starts the next', async () => {
    const batches: number[][] = [];
    const echo = new Coalescer<number, number>(
      async (batch) => {
        batches.push(batch);
        return batch;
      },
      { maxBatch: 2 },
    );
    expect(await Promise.all([1, 2, 3, 4, 5].map((n) => echo.submit(n)))).toEqual([1, 2, 3, 4, 5]);
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('settles an item answered with a promise on its own, and fails the whole batch when the handler fails', async () => {
    let failBatch = false;
    const picky = new Coalescer<number, string>(
      async (batch) => {
        if (failBatch) throw new Error('the store is down');
        return batch.map((n) => (n < 0 ? Promise.reject(new Error(`refused ${n}`)) : Promise.resolve(`ok ${n}`)));
      },
      { maxBatch: 10 },
    );
    const mixed = await Promise.allSettled([1, -2, 3].map((n) => picky.submit(n)));
    expect(mixed.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['ok 1', 'refused -2', 'ok 3']);

    failBatch = true;
    const failed = await Promise.allSettled([1, 2].map((n) => picky.submit(n)));
    expect(failed.map((r) => r.status === 'rejected' && (r.reason as Error).message)).toEqual(['the store is down', 'the store is down']);
  });

  it('fails the items a handler leaves unanswered', async () => {
    const short = new Coalescer<number, number>(async (batch) => batch.slice(1), { maxBatch: 10 });
    const results = await Promise.allSettled([1, 2].map((n) => short.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);

    const silent = new Coalescer<number, number>(async () => null as unknown as number[], { maxBatch: 10 });
    const none = await Promise.allSettled([1, 2].map((n) => silent.submit(n)));
    expect(none.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('keeps at most maxInFlight batches out, and sends what waited as the next batch when one returns', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = new Coalescer<number, number>(
      async (batch) => {
        batches.push(batch);
        if (batches.length === 1) await gate;
        return batch;
      },
      { maxBatch: 2, maxInFlight: 1 },
    );
    const first = slow.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    // The first batch is out: these wait for it, however many turns pass.
    const later = [2, 3, 4].map((n) => slow.submit(n));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(batches).toEqual([[1]]);
    release();
    expect(await Promise.all([first, ...later])).toEqual([1, 2, 3, 4]);
    expect(batches).toEqual([[1], [2, 3], [4]]);
  });
});

describe('coalescedLookups', () => {
  it('fetches the keys of one turn once each, and answers each caller its value or undefined', async () => {
    const fetched: string[][] = [];
    const names = coalescedLookups(
      async (keys: string[]) => {
        fetched.push(keys);
        return new Map(keys.filter((key) => key !== 'nobody').map((key) => [key, key.toUpperCase()]));
      },
      { maxBatch: 10 },
    );
    const answers = await Promise.all(['ada', 'bob', 'ada', 'nobody'].map((key) => names.submit(key)));
    expect(answers).toEqual(['ADA', 'BOB', 'ADA', undefined]);
    expect(fetched).toEqual([['ada', 'bob', 'nobody']]);
  });
});
