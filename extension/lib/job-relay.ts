/**
 * Live job progress for the pages. The server streams `progress` events (SSE) that only a request
 * with the bearer token may read, and EventSource cannot send one; so the background reads the
 * stream and passes each job view to the page over a runtime port. If the stream breaks, it polls
 * GET jobs/{id} until the job ends, so the page always learns the outcome.
 */
import { toProblem, type ApiClient } from './api-client.js';
import type { JobView } from './api-types.js';
import type { JobPortMessage, JobPortRequest } from './job-port.js';

export const isFinished = (job: JobView) => job.status === 'done' || job.status === 'failed';

export async function relayJob(input: {
  api: ApiClient;
  request: JobPortRequest;
  signal: AbortSignal;
  post(message: JobPortMessage): void;
  pollMs?: number;
  /** Upper bound on polling after the stream broke (a refresh of big lists takes minutes). */
  maxPolls?: number;
}): Promise<void> {
  const { api, request, signal, post } = input;
  let last: JobView | undefined;
  try {
    for await (const job of api.jobEvents(request.businessId, request.jobId, signal)) {
      last = job;
      post({ type: 'job', job });
      if (isFinished(job)) return;
    }
  } catch (error) {
    if (signal.aborted) return;
    const problem = toProblem(error);
    // A job the server does not know, or a session that ended: polling will not help.
    if (problem.kind === 'session_ended' || (problem.kind === 'api' && problem.status === 404)) return post({ type: 'problem', problem });
  }
  const pollMs = input.pollMs ?? 1_000;
  for (let i = 0; i < (input.maxPolls ?? 1_800) && !signal.aborted; i++) {
    try {
      const job = await api.job(request.businessId, request.jobId);
      if (JSON.stringify(job) !== JSON.stringify(last)) post({ type: 'job', job });
      last = job;
      if (isFinished(job)) return;
    } catch (error) {
      if (signal.aborted) return;
      const problem = toProblem(error);
      if (problem.kind !== 'unreachable') return post({ type: 'problem', problem });
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
