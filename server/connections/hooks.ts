/**
 * What other parts of the server do when a connection changes, without the lifecycle importing
 * them (publishing registers "requeue after reconnect" here, approvals its first run after Finish).
 */
import type { AppDeps } from '../app.js';

type Hook = (deps: AppDeps, connectionId: string) => Promise<void>;
const reconnectHooks: Hook[] = [];

export function onReconnect(hook: Hook): void {
  reconnectHooks.push(hook);
}

export async function afterReconnect(deps: AppDeps, connectionId: string): Promise<void> {
  for (const hook of reconnectHooks) await hook(deps, connectionId);
}

const finishHooks: Hook[] = [];

/** After every Finish (connect, reconnect or change): the connection is active. */
export function onFinish(hook: Hook): void {
  finishHooks.push(hook);
}

export async function afterFinish(deps: AppDeps, connectionId: string): Promise<void> {
  for (const hook of finishHooks) await hook(deps, connectionId);
}
