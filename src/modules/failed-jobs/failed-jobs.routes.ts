import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authHooks } from '../../http/auth-hooks.js';
import { errorResponse } from '../../lib/http-schemas.js';
import type { AuthService } from '../auth/auth.service.js';
import { failedJob, failedJobList, failedJobParams, failedJobsQuery } from './failed-jobs.schemas.js';
import type { FailedJobsService } from './failed-jobs.service.js';

const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 503: errorResponse };

export const failedJobsRoutes: FastifyPluginAsyncZod<{ auth: AuthService; failedJobs: FailedJobsService }> = async (app, { auth, failedJobs }) => {
  const admin = authHooks(auth).requireRole('admin');

  app.get(
    '/api/admin/failed-jobs',
    {
      schema: {
        tags: ['admin'],
        summary: 'List dead letters: jobs that used up their attempts',
        operationId: 'listFailedJobs',
        querystring: failedJobsQuery,
        response: { 200: failedJobList, ...errors },
      },
      onRequest: admin,
    },
    async (request) => failedJobs.list(request.query),
  );

  app.post(
    '/api/admin/failed-jobs/:id/retry',
    {
      schema: {
        tags: ['admin'],
        summary: 'Run a dead letter once more, ahead of customer work',
        description: 'Answers 202 once the job is queued; a second request for the same dead letter queues nothing more.',
        operationId: 'retryFailedJob',
        params: failedJobParams,
        response: { 202: failedJob, ...errors, 404: errorResponse, 409: errorResponse },
      },
      onRequest: admin,
    },
    async (request, reply) => reply.code(202).send(await failedJobs.retry(request.params.id)),
  );

  app.post(
    '/api/admin/failed-jobs/:id/discard',
    {
      schema: {
        tags: ['admin'],
        summary: 'Set a dead letter aside: it leaves the list',
        operationId: 'discardFailedJob',
        params: failedJobParams,
        response: { 200: failedJob, ...errors, 404: errorResponse },
      },
      onRequest: admin,
    },
    async (request) => failedJobs.discard(request.params.id),
  );
};
