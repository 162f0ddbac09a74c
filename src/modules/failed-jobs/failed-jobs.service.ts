import type { FailedJobRow } from '../../db/schema.js';
import type { JobQueues } from '../../jobs/job-queues.js';
import { isJobName, PRIORITY } from '../../jobs/registry.js';
import { invalidState, notFound } from '../../lib/errors.js';
import type { Page } from '../../lib/http-schemas.js';
import type { FailedJobsRepository } from './failed-jobs.repository.js';
import type { FailedJob, FailedJobsQuery } from './failed-jobs.schemas.js';

export interface FailedJobsServiceDeps {
  repository: Pick<FailedJobsRepository, 'find' | 'search' | 'markRetried' | 'markDiscarded'>;
  queues: Pick<JobQueues, 'add'>;
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
   * second request (a double click) while that job is kept adds nothing. If it fails again it
   * becomes a dead letter of its own.
   */
  async retry(id: number): Promise<FailedJob> {
    const row = await this.deps.repository.find(id);
    if (!row) throw notFound('failed job', { id });
    if (row.status === 'discarded') throw invalidState(`failed job ${id} was discarded`, { status: row.status });
    if (!isJobName(row.name)) throw invalidState(`no job named ${row.name} runs any more`, { name: row.name });
    await this.deps.queues.add(row.name, row.payload as never, { jobId: `retry-of-${id}`, attempts: 1, priority: PRIORITY.admin });
    const retried = await this.deps.repository.markRetried(id);
    if (!retried) throw invalidState(`failed job ${id} was discarded meanwhile`);
    return view(retried);
  }

  /** Sets a dead letter aside: it leaves the default list. Discarding twice is discarding once. */
  async discard(id: number): Promise<FailedJob> {
    const row = await this.deps.repository.markDiscarded(id);
    if (!row) throw notFound('failed job', { id });
    return view(row);
  }
}
