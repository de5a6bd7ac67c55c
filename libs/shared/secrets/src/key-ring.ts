import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

export class KeyRingError extends Error {
  override name = 'KeyRingError';
}

/**
 * AES-256-GCM under a ring of keys: the first key seals, every key opens, so keys rotate without
 * downtime (add a new key in front, re-encrypt, then drop the old one). Each ciphertext names its key:
 * `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url). The associated data binds a ciphertext to its row
 * (e.g. `cluster:42`), so a value copied into another row does not open.
 */
export class KeyRing {
  private readonly keys = new Map<string, Buffer>();
  readonly currentKeyId: string;

  /** `spec`: `id:base64key,id:base64key` — newest first; each key 32 bytes. */
  constructor(spec: string) {
    const entries = spec
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (!entries.length) throw new KeyRingError('the key ring is empty');
    for (const entry of entries) {
      const at = entry.indexOf(':');
      const id = entry.slice(0, at);
      const key = Buffer.from(entry.slice(at + 1), 'base64');
      if (at < 1 || !KEY_ID.test(id)) throw new KeyRingError(`key id "${id}" must match ${KEY_ID.source}`);
      if (key.length !== 32) throw new KeyRingError(`key "${id}" must be 32 bytes of base64 (got ${key.length})`);
      if (this.keys.has(id)) throw new KeyRingError(`key id "${id}" appears twice`);
      this.keys.set(id, key);
    }
    this.currentKeyId = entries[0]?.split(':')[0] as string;
  }

  seal(plaintext: string, associatedData: string): string {
    const key = this.keys.get(this.currentKeyId) as Buffer;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, this.currentKeyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  open(sealed: string, associatedData: string): string {
    const [version, keyId, iv, tag, body] = sealed.split('.');
    if (version !== VERSION || !keyId || iv === undefined || tag === undefined || body === undefined) {
      throw new KeyRingError('not a sealed value');
    }
    const key = this.keys.get(keyId);
    if (!key) throw new KeyRingError(`key "${keyId}" is not in the ring`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new KeyRingError('the sealed value does not open (wrong key, row or tampered)');
    }
  }

  /** Whether a sealed value is under the newest key (else re-encrypt it). */
  isCurrent(sealed: string): boolean {
    return sealed.split('.')[1] === this.currentKeyId;
  }
}

/** A fresh key ring spec with one random key, for development defaults and tests. */
export function generateKeyRingSpec(id = 'k1'): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}
