import { listKindLabels, type ListKind } from '../../../shared/catalogue.js';
import type { ImportProgress, JobView, ListProgress } from '../api-types.js';

/** One progress bar per list, as the server's import job reports it. */
export function ImportProgressBars({ job, kinds, label = 'Import progress' }: { job: JobView | undefined; kinds: readonly ListKind[]; label?: string }) {
  const progress = (job?.progress ?? { lists: {} }) as ImportProgress;
  const lists = progress.lists ?? {};
  return (
    <div class="progress-lists" role="group" aria-label={label}>
      {kinds.map((kind) => {
        const list = lists[kind];
        const id = `progress-${kind}`;
        return (
          <div class="progress-row" key={kind}>
            <label for={id}>{listKindLabels[kind]}</label>
            <progress id={id} max={list?.total ?? 1} value={valueOf(list, job)} aria-valuetext={listText(list, job)} />
            <span class="small muted" data-list-status={list?.status ?? 'pending'}>
              {listText(list, job)}
            </span>
          </div>
        );
      })}
      {job?.status === 'failed' && (
        <p class="notice notice-problem" role="alert">
          The import stopped: {job.error ?? 'an unknown error'}. Use Refresh integration data to try again; nothing imported so far is lost.
        </p>
      )}
    </div>
  );
}

function valueOf(list: ListProgress | undefined, job: JobView | undefined): number | undefined {
  if (!list) return job?.status === 'done' ? 1 : 0;
  if (list.status === 'done') return list.total ?? 1;
  // No total from the provider: an indeterminate bar while it runs.
  if (list.total === null) return list.status === 'pending' ? 0 : undefined;
  return list.done;
}

export function listText(list: ListProgress | undefined, job?: JobView): string {
  if (!list) return job?.status === 'done' ? 'Done' : 'Waiting';
  const archived = list.archived > 0 ? `, ${list.archived} archived` : '';
  if (list.status === 'done') return `Done: ${list.done}${archived}`;
  if (list.status === 'pending') return 'Waiting';
  return list.total === null ? `${list.done} so far${archived}` : `${list.done} of ${list.total}${archived}`;
}
