import { ProviderError } from './errors.js';
import type { PublishDocument, PublishOutcome, PublishResult } from './types.js';

/**
 * Publishes documents one after another, for providers with no bulk create (batchSize 1). A
 * ProviderError becomes that document's failed outcome and the rest still go; anything else is
 * a bug and stops the batch.
 */
export async function publishEach(documents: PublishDocument[], publishOne: (doc: PublishDocument) => Promise<PublishResult>): Promise<PublishOutcome[]> {
  const outcomes: PublishOutcome[] = [];
  for (const doc of documents) {
    try {
      outcomes.push({ ok: true, result: await publishOne(doc) });
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      outcomes.push({ ok: false, error });
    }
  }
  return outcomes;
}
