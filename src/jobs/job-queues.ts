import { type Job, type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { JOBS, type JobName, type JobPayloads, PRIORITY, QUEUE_NAMES, type QueueName } from './registry.js';

/** One job for `addBulk`. */
export interface QueuedJob<N extends JobName> {
  data: JobPayloads[N];
  jobId: string;
  priority?: number;
  delay?: number;
}

/** The producer side of every queue: typed `add`, look-ups and counts. */
export class JobQueues {
  private readonly queues: Map<QueueName, Queue>;

  constructor(connection: Redis, prefix: string, logger: Logger) {
    this.queues = new Map(
      QUEUE_NAMES.map((name) => {
        const queue = new Queue(name, { connection, prefix });
        queue.on('error', (error) => logger.warn({ queue: name, err: error }, 'queue connection error'));
        return [name, queue];
      }),
    );
  }

  queue(name: QueueName): Queue {
    return this.queues.get(name)!;
  }

  all(): Queue[] {
    return [...this.queues.values()];
  }

  /**
   * Adds a job; `jobId` makes the add idempotent while a job with that id is kept. Without a
   * `priority` it is customer work (`PRIORITY.customer`): BullMQ runs a job without one before
   * every prioritized job, admin work (a dead letter's retry) included.
   */
  async add<N extends JobName>(
    name: N,
    data: JobPayloads[N],
    options: { jobId?: string } & Pick<JobsOptions, 'priority' | 'attempts' | 'deduplication'> = {},
  ): Promise<void> {
    const { queue, options: defaults } = JOBS[name];
    await this.queue(queue).add(name, data, { priority: PRIORITY.customer, ...defaults, ...options });
  }

  /**
   * Adds jobs of one name in one round trip, in the order given; each `jobId` makes its add
   * idempotent while a job with that id is kept. A `delay` (ms) holds a job back that long. Customer
   * work unless a `priority` says otherwise, as for `add`.
   */
  async addBulk<N extends JobName>(name: N, jobs: readonly QueuedJob<N>[]): Promise<void> {
    if (jobs.length === 0) return;
    const { queue, options } = JOBS[name];
    await this.queue(queue).addBulk(
      jobs.map(({ data, jobId, priority, delay }) => ({
        name,
        data,
        opts: { ...options, jobId, priority: priority ?? PRIORITY.customer, ...(delay ? { delay } : {}) },
      })),
    );
  }

  async getJob(name: JobName, jobId: string): Promise<Job | undefined> {
    return this.queue(JOBS[name].queue).getJob(jobId);
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((queue) => queue.close()));
  }
}
