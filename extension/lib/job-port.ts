/** The port over which the background relays a job's live progress to a page (job-relay.ts). */
import type { Problem } from './api-client.js';
import type { JobView } from './api-types.js';

export const JOB_PORT = 'job-progress';

export type JobPortRequest = { businessId: string; jobId: string };
export type JobPortMessage = { type: 'job'; job: JobView } | { type: 'problem'; problem: Problem };
