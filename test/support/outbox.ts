import type { Container } from '../../src/container.js';

/**
 * Holds the outbox relay's lock until the returned function is called: no relay tick hands events
 * on meanwhile (no mail, no fulfilment). A tick that holds the lock at the moment of the call is
 * waited for.
 */
export async function holdOutboxRelay(container: Container): Promise<() => void> {
  let release!: () => void;
  const held = new Promise<boolean>((taken) => {
    void container.db.transaction().execute(async (tx) => {
      let locked = await container.outboxRepository.tryLockRelay(tx);
      for (let tries = 0; !locked && tries < 500; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        locked = await container.outboxRepository.tryLockRelay(tx);
      }
      taken(locked);
      if (locked) await new Promise<void>((resolve) => (release = resolve));
    });
  });
  if (!(await held)) throw new Error('the outbox relay kept its lock for 10 s');
  return release;
}
