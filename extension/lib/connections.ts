import type { Business, ProviderSummary } from '../../shared/api.js';

export type ConnectOutcome =
  /** The connect flow for this provider is not built yet; the message says so. */
  { kind: 'not_ready'; message: string };

/**
 * Starts connecting `provider` for `business`: the dashboard's Connect button calls this.
 *
 * Still to come (DESIGN.md, "The lifecycle of a connection", step 1): ask the server for the
 * authorize URL (OAuth) or open the provider's key page (KashFlow, Bill.com), relay what comes
 * back, let the user choose the organisation, then Finish. The server has no connect routes yet, so
 * for now this says plainly that the step is not there.
 */
export async function startConnection(provider: ProviderSummary, business: Business): Promise<ConnectOutcome> {
  return {
    kind: 'not_ready',
    message: `Connecting ${provider.name} to ${business.name} is coming in the next step.`,
  };
}
