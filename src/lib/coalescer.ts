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
  private inputs: I[] = [];
  private waiting: Waiting<O>[] = [];

  /** `maxBatch`: a batch this full is handed over at once, and the next begun. */
  constructor(
    private readonly maxBatch: number,
    private readonly handle: (batch: I[]) => Promise<ArrayLike<O | Promise<O>>>,
  ) {}

  submit(input: I): Promise<O> {
    if (this.inputs.length === 0) setImmediate(this.flush);
    this.inputs.push(input);
    const output = new Promise<O>((resolve, reject) => this.waiting.push({ resolve, reject }));
    if (this.inputs.length >= this.maxBatch) this.flush();
    return output;
  }

  private readonly flush = (): void => {
    const { inputs, waiting } = this;
    if (inputs.length === 0) return;
    this.inputs = [];
    this.waiting = [];
    let handled: Promise<ArrayLike<O | Promise<O>>>;
    try {
      handled = this.handle(inputs);
    } catch (error) {
      handled = Promise.reject(error);
    }
    handled.then(
      (outputs) => {
        for (let i = 0; i < waiting.length; i++) {
          if (i < outputs.length) waiting[i]!.resolve(outputs[i]!);
          else waiting[i]!.reject(new Error(`batch handler answered ${outputs.length} of ${waiting.length} items`));
        }
      },
      (error: unknown) => {
        for (const one of waiting) one.reject(error);
      },
    );
  };
}
