/**
 * Secrets at rest (OAuth tokens, API keys, passwords): AES-256-GCM under one key from
 * configuration or a key file created on first start with mode 0600.
 *
 * Sealed format: [version 0x01][key id: 4 bytes][iv: 12 bytes][tag: 16 bytes][ciphertext].
 * The key id (first bytes of the key's SHA-256) lets key rotation tell which key sealed a value.
 * `context` is authenticated data: a value sealed for one row cannot be pasted into another.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const VERSION = 0x01;

export class SecretBox {
  readonly keyId: Buffer;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('The encryption key must be 32 bytes.');
    this.keyId = keyIdOf(key);
  }

  seal(plaintext: string, context: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), this.keyId, iv, cipher.getAuthTag(), body]);
  }

  open(sealed: Uint8Array, context: string): string {
    const buf = Buffer.from(sealed);
    if (buf.length < 33 || buf[0] !== VERSION) throw new Error('Not a sealed secret.');
    if (!buf.subarray(1, 5).equals(this.keyId)) throw new WrongKeyError();
    const decipher = createDecipheriv('aes-256-gcm', this.key, buf.subarray(5, 17));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(buf.subarray(17, 33));
    return Buffer.concat([decipher.update(buf.subarray(33)), decipher.final()]).toString('utf8');
  }

  sealJson(value: unknown, context: string): Buffer {
    return this.seal(JSON.stringify(value), context);
  }

  openJson<T>(sealed: Uint8Array, context: string): T {
    return JSON.parse(this.open(sealed, context)) as T;
  }

  /** Whether this box's key sealed the value (for key rotation). */
  sealedByThisKey(sealed: Uint8Array): boolean {
    return Buffer.from(sealed).subarray(1, 5).equals(this.keyId);
  }
}

export class WrongKeyError extends Error {
  constructor() {
    super('This secret was sealed with a different encryption key.');
    this.name = 'WrongKeyError';
  }
}

export function keyIdOf(key: Buffer): Buffer {
  return createHash('sha256').update(key).digest().subarray(0, 4);
}

/**
 * Reads the key file, or creates it (32 random bytes, base64, mode 0600) when it does not exist.
 * A key file readable by others is refused: the key is the only thing between a stolen database
 * and the tokens in it.
 */
export function loadOrCreateKeyFile(file: string): { key: Buffer; created: boolean } {
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new Error(`The key file ${file} can be read by other users (mode ${mode.toString(8)}): run chmod 600 on it.`);
    }
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`The key file ${file} does not hold a 32-byte base64 key.`);
    return { key, created: false };
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return { key, created: true };
}
