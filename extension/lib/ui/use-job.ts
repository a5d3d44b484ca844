import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import type { Problem } from '../api-client.js';
import type { JobView } from '../api-types.js';
import { JOB_PORT, type JobPortMessage } from '../job-port.js';

/** Follows a background job live (the background relays the server's event stream over a port). */
export function useJob(businessId: string, jobId: string | null | undefined): { job: JobView | undefined; problem: Problem | undefined } {
  const [job, setJob] = useState<JobView>();
  const [problem, setProblem] = useState<Problem>();
  useEffect(() => {
    setJob(undefined);
    setProblem(undefined);
    if (!jobId) return;
    const port = browser.runtime.connect({ name: JOB_PORT });
    port.onMessage.addListener((message: JobPortMessage) => {
      if (message.type === 'job') setJob(message.job);
      else setProblem(message.problem);
    });
    port.postMessage({ businessId, jobId });
    return () => port.disconnect();
  }, [businessId, jobId]);
  return { job, problem };
}
