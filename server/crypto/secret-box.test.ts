import { statSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox, WrongKeyError, loadOrCreateKeyFile } from './secret-box.js';
import { scratchDir } from '../../test/support/scratch.js';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips a secret and never stores it in clear', () => {
    const sealed = box.seal('refresh-token-123', 'connection:1');
    expect(sealed.includes(Buffer.from('refresh-token-123'))).toBe(false);
    expect(box.open(sealed, 'connection:1')).toBe('refresh-token-123');
  });

  it('refuses a value moved to another row', () => {
    const sealed = box.seal('secret', 'connection:1');
    expect(() => box.open(sealed, 'connection:2')).toThrow();
  });

  it('refuses a tampered value', () => {
    const sealed = box.seal('secret', 'c');
    sealed[sealed.length - 1]! ^= 1;
    expect(() => box.open(sealed, 'c')).toThrow();
  });

  it('tells a value sealed under another key', () => {
    const other = new SecretBox(randomBytes(32));
    expect(() => other.open(box.seal('x', 'c'), 'c')).toThrow(WrongKeyError);
  });
});

describe('loadOrCreateKeyFile', () => {
  it('creates the key file with mode 0600 and reads it back', () => {
    const file = path.join(scratchDir('bb-key-'), 'nested', 'secret.key');
    const first = loadOrCreateKeyFile(file);
    expect(first.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = loadOrCreateKeyFile(file);
    expect(second.created).toBe(false);
    expect(second.key.equals(first.key)).toBe(true);
  });

  it('refuses a key file others can read', () => {
    const file = path.join(scratchDir('bb-key-'), 'secret.key');
    writeFileSync(file, randomBytes(32).toString('base64'));
    chmodSync(file, 0o644);
    expect(() => loadOrCreateKeyFile(file)).toThrow(/chmod 600/);
  });
});
