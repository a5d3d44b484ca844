/** Small helpers the adapter contract tests share. */
import { ProviderError } from '../../server/providers/errors.js';
import type { ListPage } from '../../server/providers/types.js';

/** The ProviderError a call fails with; any other outcome fails the test. */
export async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProviderError) return error;
    throw error;
  }
  throw new Error('expected a ProviderError');
}

/** Every page of an import, in order. */
export async function collect(iterable: AsyncIterable<ListPage>): Promise<ListPage[]> {
  const pages: ListPage[] = [];
  for await (const page of iterable) pages.push(page);
  return pages;
}
