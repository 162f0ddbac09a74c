import { DelayedError, type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { isDependencyUnavailable } from '../lib/infrastructure-errors.js';
import { type DeadLetter, deadLetterOf } from '../modules/failed-jobs/dead-letter.js';
import type { JobQueues } from './job-queues.js';
import {
  cappedExponentialBackoff,
  isJobName,
  JOBS,
  type JobDefinition,
  type JobName,
  type JobPayloads,
  QUEUE_NAMES,
  QUEUE_SETTINGS,
  type QueueName,
} from './registry.js';

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
  /**
   * Whether a job's error says our Postgres is away (postgresAwayTest): such a job waits for it
   * without spending an attempt (see `dispatch`).
   */
  isPostgresAway?: (error: unknown) => boolean;
}

/** The first wait of a job for Postgres; each next one doubles, up to the backoff's cap. */
const POSTGRES_WAIT_MS = 1_000;

/**
 * How a job's failure is logged: an error when it needs someone, a warning when it runs again by
 * itself: an attempt is left, or a scheduler's tick (no dead letter) failed because Postgres or
 * Redis was down, which the next tick runs again. Such ticks were errors in every outage, one a
 * second per scheduler, drowning those that need someone.
 */
export function failureLevel(failure: { final: boolean; deadLetter: boolean; error: Error }): 'error' | 'warn' {
  if (!failure.final) return 'warn';
  return !failure.deadLetter && isDependencyUnavailable(failure.error) ? 'warn' : 'error';
}

/** A job's registry entry, or undefined for a name the registry does not have (a job added by hand). */
const definitionOf = (name: string | undefined): JobDefinition | undefined => (name !== undefined && isJobName(name) ? JOBS[name] : undefined);

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
      const worker = new Worker(queueName, (job, token) => this.dispatch(job, token), {
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
        const deadLetter = definitionOf(job?.name)?.deadLetter ?? true;
        this.logger[failureLevel({ final, deadLetter, error })](
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
    if (!onDeadLetter || !definitionOf(job.name)?.deadLetter) return;
    onDeadLetter(deadLetterOf(queue, job, error)).catch((captureError: unknown) => {
      this.logger.error({ queue, job: job.name, jobId: job.id, err: captureError }, 'dead letter could not be parked');
    });
  }

  /**
   * Runs a job. One whose registry entry makes it a dead letter and that failed because our
   * Postgres is away (a restart takes seconds, a failover longer) waits for it, delayed without
   * spending an attempt: its 3 attempts went in 3 s, and a Postgres restart turned each mail then
   * under way into a dead letter for an admin to retry. Its own faults still spend attempts. Ticks
   * have none to spend: the next tick runs them again. With Redis away nothing can be moved: the
   * job's lock lapses and it is taken over as a stalled job once Redis is back.
   */
  private async dispatch(job: Job, token: string | undefined): Promise<unknown> {
    const handler = this.handlers[job.name as JobName] as ((data: unknown, job: Job) => Promise<unknown>) | undefined;
    if (!handler) throw new Error(`no handler for job ${job.name}`);
    try {
      return await handler(job.data, job);
    } catch (error) {
      if (!definitionOf(job.name)?.deadLetter || token === undefined || !this.options.isPostgresAway?.(error)) throw error;
      // attemptsStarted counts every run, attemptsMade only those that spent an attempt.
      const waits = Math.max(1, job.attemptsStarted - job.attemptsMade);
      const delay = cappedExponentialBackoff(waits, POSTGRES_WAIT_MS);
      this.logger.warn({ job: job.name, jobId: job.id, waits, delayMs: delay, err: error }, 'job waits for Postgres');
      await job.moveToDelayed(Date.now() + delay, token);
      throw new DelayedError();
    }
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
