/**
 * Puts WXT's in-memory fake browser where `wxt/browser` and `wxt/utils/storage` look for it
 * (`globalThis.chrome`), for unit tests run by the root Vitest config, which does not load WXT's
 * Vitest plugin. Import this module FIRST in a test file: `@wxt-dev/browser` reads the global once,
 * when it is first imported.
 */
import { vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';

vi.stubGlobal('chrome', fakeBrowser);
vi.stubGlobal('browser', fakeBrowser);

export { fakeBrowser };
