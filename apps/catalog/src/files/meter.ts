import { createHash } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';

export class PayloadTooLargeError extends Error {
  override name = 'PayloadTooLargeError';
}

export class UploadTruncatedError extends Error {
  override name = 'UploadTruncatedError';
}

/**
 * Passes an upload through unchanged while counting its bytes and hashing them (SHA-256); fails the
 * stream the moment it grows past `maxBytes`, so an oversized upload is cut off, not stored.
 */
export class Meter extends Transform {
  bytes = 0;
  sha256: string | null = null;
  private readonly hash = createHash('sha256');

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return done(new PayloadTooLargeError(`more than ${this.maxBytes} bytes`));
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.sha256 = this.hash.digest('hex');
    done();
  }
}
