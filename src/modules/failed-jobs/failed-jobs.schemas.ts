import { z } from 'zod';
import { FAILED_JOB_STATUSES } from '../../db/schema.js';
import { decimalInteger, pageOf, paginationQuery } from '../../lib/http-schemas.js';

export const failedJobStatus = z.enum(FAILED_JOB_STATUSES);

export const failedJob = z
  .object({
    id: z.number().int(),
    queue: z.string(),
    name: z.string(),
    jobId: z.string().nullable(),
    payload: z.unknown(),
    reason: z.string(),
    attempts: z.number().int(),
    failedAt: z.iso.datetime(),
    status: failedJobStatus.meta({ description: 'failed: waiting for an admin; retried: handed back to its queue once; discarded: set aside' }),
  })
  .meta({ id: 'FailedJob' });
export type FailedJob = z.infer<typeof failedJob>;

export const failedJobList = pageOf(failedJob);

export const failedJobsQuery = paginationQuery
  .extend({ status: failedJobStatus.optional().meta({ description: 'Only this status; unset, every one not discarded' }) })
  .strict();
export type FailedJobsQuery = z.infer<typeof failedJobsQuery>;

export const failedJobParams = z.object({ id: decimalInteger(1, Number.MAX_SAFE_INTEGER) }).strict();
