interface Waiting<O> {
  resolve(output: O | Promise<O>): void;
  reject(error: unknown): void;
}

/**
 * Gathers the calls made in one turn of the event loop and hands them to one batch handler, which
 * answers each in order. Used where the fixed cost of a call (a client command, a round trip, a
 * commit) outweighs the work per item, so that under load that cost is paid per turn rather than
 * per caller. A handler may answer an item with a promise of its own, which settles that item alone;
 * when the handler itself fails, every item of its batch fails with it.
 */
export class Coalescer<I, O> {
  private readonly inputs: I[] = [];
  private readonly waiting: Waiting<O>[] = [];
  private inFlight = 0;
  private scheduled = false;

  /**
   * `maxBatch`: a batch this full is handed over at once, and the next begun. `maxInFlight`: batches
   * handled at the same time; while that many are out, calls wait, and the next batch takes them all
   * at the end of the turn in which one comes back (as a pipeline does), so a slower store gets
   * fewer, larger batches.
   */
  constructor(
    private readonly handle: (batch: I[]) => Promise<ArrayLike<O | Promise<O>>>,
    private readonly limits: { maxBatch: number; maxInFlight?: number },
  ) {}

  submit(input: I): Promise<O> {
    this.inputs.push(input);
    const output = new Promise<O>((resolve, reject) => this.waiting.push({ resolve, reject }));
    if (this.inputs.length >= this.limits.maxBatch) this.flush();
    else this.schedule();
    return output;
  }

  /**
   * Sends what is waiting at the end of this event-loop turn, after every call the turn still
   * holds. A batch that comes back schedules the next one the same way rather than sending at once
   * from its reply, so a store that answers quickly does not get batches of one or two.
   */
  private schedule(): void {
    if (this.scheduled || this.saturated()) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private saturated(): boolean {
    return this.inFlight >= (this.limits.maxInFlight ?? Number.POSITIVE_INFINITY);
  }

  private flush(): void {
    while (this.inputs.length > 0 && !this.saturated()) this.send();
  }

  private send(): void {
    const inputs = this.inputs.splice(0, this.limits.maxBatch);
    const waiting = this.waiting.splice(0, inputs.length);
    this.inFlight++;
    let handled: Promise<ArrayLike<O | Promise<O>>>;
    try {
      handled = this.handle(inputs);
    } catch (error) {
      handled = Promise.reject(error);
    }
    handled
      .finally(() => {
        this.inFlight--;
        if (this.inputs.length > 0) this.schedule();
      })
      .catch(() => undefined);
    handled.then(
      (outputs) => {
        const answered = typeof outputs?.length === 'number' ? outputs.length : 0;
        for (let i = 0; i < waiting.length; i++) {
          if (i < answered) waiting[i]!.resolve(outputs[i]!);
          else waiting[i]!.reject(new Error(`batch handler answered ${answered} of ${waiting.length} items`));
        }
      },
      (error: unknown) => {
        for (const one of waiting) one.reject(error);
      },
    );
  }
}

/**
 * A Coalescer of look-ups by key: the keys asked for in one turn go to `fetch` once (each key once),
 * and each caller gets the value of its key, undefined where `fetch` found none.
 */
export function coalescedLookups<K, V>(
  fetch: (keys: K[]) => Promise<ReadonlyMap<K, V>>,
  limits: { maxBatch: number; maxInFlight?: number },
): Coalescer<K, V | undefined> {
  return new Coalescer(async (keys: K[]) => {
    const found = await fetch([...new Set(keys)]);
    return keys.map((key) => found.get(key));
  }, limits);
}
