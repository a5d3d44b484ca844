/**
 * What other parts of the server do when a connection changes, without the lifecycle importing
 * them (publishing registers "requeue after reconnect" here).
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
