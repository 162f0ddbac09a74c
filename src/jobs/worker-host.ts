import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type DeadLetter, deadLetterOf } from '../modules/failed-jobs/dead-letter.js';
import type { JobQueues } from './job-queues.js';
import { cappedExponentialBackoff, JOBS, type JobName, type JobPayloads, QUEUE_NAMES, QUEUE_SETTINGS, type QueueName } from './registry.js';

export type JobHandlers = { [N in JobName]: (data: JobPayloads[N], job: Job) => Promise<unknown> };

export interface WorkerHostOptions {
  connection: Redis;
  prefix: string;
  /** Jobs one worker runs at once per queue; unset, the queue's QUEUE_SETTINGS. */
  concurrency?: Partial<Record<QueueName, number>>;
  lockDurationMs: number;
  /** Recurring jobs: BullMQ job schedulers, so each tick runs once however many workers run. */
  schedules: { job: JobName; everyMs: number }[];
  /** Upserts job schedulers kept elsewhere (one per vendor), with `schedules` and whenever they are put back. */
  moreSchedules?: () => Promise<void>;
  /** The key marking the schedulers as applied (RedisKeys.jobSchedules); see `keepSchedules`. */
  schedulesMarker: string;
  /** Told of every job that used up its attempts, when its registry entry makes it a dead letter. */
  onDeadLetter?: (letter: DeadLetter) => Promise<void>;
}

/** How often a worker process checks that the job schedulers are still in Redis. */
const SCHEDULE_CHECK_MS = 5_000;

/** Runs one BullMQ worker per queue, dispatching each job by name to its handler. */
export class WorkerHost {
  private readonly workers: Worker[] = [];
  private scheduleCheck: NodeJS.Timeout | undefined;
  private checking = false;
  private closed = false;

  constructor(
    private readonly queues: JobQueues,
    private readonly handlers: JobHandlers,
    private readonly options: WorkerHostOptions,
    private readonly logger: Logger,
  ) {
    const missing = (Object.keys(JOBS) as JobName[]).filter((name) => typeof handlers[name] !== 'function');
    if (missing.length > 0) throw new Error(`no handler for job(s): ${missing.join(', ')}`);
  }

  async start(): Promise<void> {
    await this.applySchedules();
    for (const queueName of QUEUE_NAMES) {
      const worker = new Worker(queueName, (job) => this.dispatch(job), {
        connection: this.options.connection,
        prefix: this.options.prefix,
        concurrency: this.options.concurrency?.[queueName] ?? QUEUE_SETTINGS[queueName].concurrency,
        lockDuration: this.options.lockDurationMs,
        maxStalledCount: QUEUE_SETTINGS[queueName].maxStalledCount,
        stalledInterval: Math.max(1_000, Math.floor(this.options.lockDurationMs / 2)),
        settings: {
          backoffStrategy: (attemptsMade, type, _error, job) =>
            type === 'capped-exponential' ? cappedExponentialBackoff(attemptsMade, backoffDelay(job)) : -1,
        },
      });
      worker.on('failed', (job, error) => {
        const final = job !== undefined && (job.finishedOn !== undefined || job.attemptsMade >= (job.opts.attempts ?? 1));
        this.logger[final ? 'error' : 'warn'](
          { queue: queueName, job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, err: error },
          'job failed',
        );
        if (final) this.deadLetter(queueName, job, error);
      });
      worker.on('error', (error) => this.logger.error({ queue: queueName, err: error }, 'worker error'));
      this.workers.push(worker);
    }
    await Promise.all(this.workers.map((worker) => worker.waitUntilReady()));
    this.scheduleCheck = setInterval(() => void this.keepSchedules(), SCHEDULE_CHECK_MS).unref();
    this.logger.info({ queues: QUEUE_NAMES }, 'workers started');
  }

  /** Upserts every job scheduler (an upsert: any number of workers may do it at once), then marks them applied. */
  private async applySchedules(): Promise<void> {
    for (const { job, everyMs } of this.options.schedules) {
      const { queue, options } = JOBS[job];
      await this.queues.queue(queue).upsertJobScheduler(job, { every: everyMs }, { name: job, data: {}, opts: options });
    }
    await this.options.moreSchedules?.();
    await this.options.connection.set(this.options.schedulesMarker, new Date().toISOString());
  }

  /**
   * BullMQ keeps the schedulers in Redis. A Redis that comes back empty (one without persistence
   * restarted, a failover to an empty replica) loses them with the marker, and no recurring job
   * (expiry, outbox relay, cart persistence, vendor syncs) would run again until a worker restarted:
   * the first worker to miss the marker puts them back.
   */
  private async keepSchedules(): Promise<void> {
    if (this.checking || this.closed) return;
    this.checking = true;
    try {
      if ((await this.options.connection.exists(this.options.schedulesMarker)) === 0 && !this.closed) {
        this.logger.warn('the job schedulers are gone from Redis (it lost its data?): putting them back');
        await this.applySchedules();
      }
    } catch (error) {
      if (!this.closed) this.logger.warn({ err: error }, 'could not check the job schedulers; checking again later');
    } finally {
      this.checking = false;
    }
  }

  private deadLetter(queue: QueueName, job: Job, error: Error): void {
    const { onDeadLetter } = this.options;
    const definition = JOBS[job.name as JobName] as (typeof JOBS)[JobName] | undefined;
    if (!onDeadLetter || !definition?.deadLetter) return;
    onDeadLetter(deadLetterOf(queue, job, error)).catch((captureError: unknown) => {
      this.logger.error({ queue, job: job.name, jobId: job.id, err: captureError }, 'dead letter could not be parked');
    });
  }

  private dispatch(job: Job): Promise<unknown> {
    const handler = this.handlers[job.name as JobName] as ((data: unknown, job: Job) => Promise<unknown>) | undefined;
    if (!handler) throw new Error(`no handler for job ${job.name}`);
    return handler(job.data, job);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.scheduleCheck);
    await Promise.all(this.workers.map((worker) => worker.close()));
  }
}

function backoffDelay(job: { opts: { backoff?: number | { delay?: number } } } | undefined): number {
  const backoff = job?.opts.backoff;
  return typeof backoff === 'object' ? (backoff.delay ?? 1_000) : (backoff ?? 1_000);
}
