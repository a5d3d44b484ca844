import type { Problem } from '../api-client.js';

/** A problem, said plainly, where screen readers announce it. */
export function ProblemNotice({ problem }: { problem: Problem | string | null | undefined }) {
  if (!problem) return null;
  const message = typeof problem === 'string' ? problem : problem.message;
  const issues = typeof problem === 'object' && problem.kind === 'api' ? (problem.issues ?? []) : [];
  return (
    <div class="notice notice-problem" role="alert">
      <p>{message}</p>
      {issues.length > 0 && (
        <ul>
          {issues.map((issue) => (
            <li key={issue.path + issue.message}>
              {issue.path ? `${issue.path}: ` : ''}
              {issue.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
