import type { FailedJobRow } from '../../db/schema.js';
import type { JobQueues } from '../../jobs/job-queues.js';
import { isJobName, type JobName, PRIORITY } from '../../jobs/registry.js';
import { invalidState, notFound } from '../../lib/errors.js';
import type { Page } from '../../lib/http-schemas.js';
import type { FailedJobsRepository } from './failed-jobs.repository.js';
import type { FailedJob, FailedJobsQuery } from './failed-jobs.schemas.js';

export interface FailedJobsServiceDeps {
  repository: Pick<FailedJobsRepository, 'find' | 'search' | 'markRetried' | 'markDiscarded'>;
  queues: Pick<JobQueues, 'add' | 'getJob'>;
}

const view = (row: FailedJobRow): FailedJob => ({
  id: row.id,
  queue: row.queue,
  name: row.name,
  jobId: row.jobId,
  payload: row.payload,
  reason: row.reason,
  attempts: row.attempts,
  failedAt: row.failedAt.toISOString(),
  status: row.status,
});

/** A dead letter's retry job: its id makes a second retry while the first is kept add nothing. */
const retryJobId = (id: number) => `retry-of-${id}`;

/** A retry job in one of these has not run yet, or is running. */
const PENDING_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/** Dead letters as admins handle them: list, hand back to the queue once, or set aside. */
export class FailedJobsService {
  constructor(private readonly deps: FailedJobsServiceDeps) {}

  async list(query: FailedJobsQuery): Promise<Page<FailedJob>> {
    const { rows, total } = await this.deps.repository.search({
      status: query.status,
      offset: (query.page - 1) * query.limit,
      limit: query.limit,
    });
    return { items: rows.map(view), page: query.page, limit: query.limit, total };
  }

  /**
   * Runs the job once more, ahead of customer work. Its job id comes from the dead letter's id, so a
   * second request (a double click) while that job waits or runs is answered with it and adds
   * nothing; once it has run, the letter is not retried again (409): if it failed, it became a dead
   * letter of its own, the one to retry.
   */
  async retry(id: number): Promise<FailedJob> {
    const { repository, queues } = this.deps;
    const row = await repository.find(id);
    if (!row) throw notFound('failed job', { id });
    if (row.status === 'discarded') throw invalidState(`failed job ${id} was discarded`, { status: row.status });
    if (!isJobName(row.name)) throw invalidState(`no job named ${row.name} runs any more`, { name: row.name });
    const jobId = retryJobId(id);
    if (row.status === 'retried') {
      const state = await (await queues.getJob(row.name, jobId))?.getState();
      if (state && PENDING_STATES.has(state)) return view(row);
      throw invalidState(`failed job ${id} was retried already; a retry that fails is a dead letter of its own`, { status: row.status });
    }
    await queues.add(row.name, row.payload as never, { jobId, attempts: 1, priority: PRIORITY.admin });
    const retried = await repository.markRetried(id);
    if (!retried) {
      // Discarded meanwhile: the job just queued is taken back unless it already started.
      await this.takeBackRetry(row.name, id);
      throw invalidState(`failed job ${id} was discarded meanwhile`, { status: 'discarded' });
    }
    return view(retried);
  }

  /**
   * Sets a dead letter aside: it leaves the default list. Discarding twice is discarding once. A
   * retry of it still waiting is taken back, as a retry racing a discard is: discarded means not to
   * run. One already running ends as it will (failing, it is a dead letter of its own).
   */
  async discard(id: number): Promise<FailedJob> {
    const row = await this.deps.repository.markDiscarded(id);
    if (!row) throw notFound('failed job', { id });
    if (isJobName(row.name)) await this.takeBackRetry(row.name, id);
    return view(row);
  }

  /** Removes the dead letter's retry job unless it has started (a running job is locked, and stays). */
  private async takeBackRetry(name: JobName, id: number): Promise<void> {
    await (await this.deps.queues.getJob(name, retryJobId(id)))?.remove().catch(() => undefined);
  }
}
