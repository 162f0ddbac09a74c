import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authHooks } from '../../http/auth-hooks.js';
import { route } from '../../http/openapi.js';
import type { AuthService } from '../auth/auth.service.js';
import { failedJob, failedJobList, failedJobParams, failedJobsQuery } from './failed-jobs.schemas.js';
import type { FailedJobsService } from './failed-jobs.service.js';

const NO_FAILED_JOB = 'NOT_FOUND: no failed job with this id.';

export const failedJobsRoutes: FastifyPluginAsyncZod<{ auth: AuthService; failedJobs: FailedJobsService }> = async (app, { auth, failedJobs }) => {
  const admin = authHooks(auth).requireRole('admin');

  app.get(
    '/api/admin/failed-jobs',
    {
      schema: route({
        operationId: 'listFailedJobs',
        summary: 'List dead letters: jobs that used up their attempts',
        description: 'Newest first. Without `status`, every dead letter not discarded.',
        tags: ['admin'],
        access: 'admin',
        querystring: failedJobsQuery,
        ok: { 200: { description: 'A page of dead letters.', schema: failedJobList } },
      }),
      onRequest: admin,
    },
    async (request) => failedJobs.list(request.query),
  );

  app.post(
    '/api/admin/failed-jobs/:id/retry',
    {
      schema: route({
        operationId: 'retryFailedJob',
        summary: 'Run a dead letter once more, ahead of customer work',
        description:
          'Queues the job once more (one attempt) under a job id derived from the dead letter, so a second request while it is kept queues nothing more. ' +
          'If it fails again it becomes a dead letter of its own.',
        tags: ['admin'],
        access: 'admin',
        params: failedJobParams,
        ok: { 202: { description: 'Queued: the dead letter, now `retried`.', schema: failedJob } },
        refusals: {
          404: NO_FAILED_JOB,
          409: 'INVALID_STATE: the dead letter was discarded, its retry has already run (a retry that fails is a dead letter of its own), or no job of its name runs any more.',
        },
      }),
      onRequest: admin,
    },
    async (request, reply) => reply.code(202).send(await failedJobs.retry(request.params.id)),
  );

  app.post(
    '/api/admin/failed-jobs/:id/discard',
    {
      schema: route({
        operationId: 'discardFailedJob',
        summary: 'Set a dead letter aside: it leaves the list',
        description: 'Discarding twice is discarding once; `?status=discarded` still lists it. A retry of it not yet started is taken back.',
        tags: ['admin'],
        access: 'admin',
        params: failedJobParams,
        ok: { 200: { description: 'The dead letter, now `discarded`.', schema: failedJob } },
        refusals: { 404: NO_FAILED_JOB },
      }),
      onRequest: admin,
    },
    async (request) => failedJobs.discard(request.params.id),
  );
};
