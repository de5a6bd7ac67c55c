import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { ObjectNotFoundError, ObjectStorage, assertObjectId } from './object-storage';

export interface S3StorageOptions {
  endpoint?: string;
  region: string;
  bucket: string;
  /** Prepended to every object key, e.g. `catalog/`. */
  keyPrefix: string;
  forcePathStyle: boolean;
  /** Unset: the SDK's default chain (environment, web identity / IRSA, instance profile). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Multipart part size: the most an upload holds in memory is partSize × queueSize. */
  partSize?: number;
}

const OBJECTS = 'objects/';
const MIB = 1024 * 1024;

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/**
 * Objects in an S3-compatible bucket under `<keyPrefix>objects/<object id>`. Uploads stream through
 * `@aws-sdk/lib-storage` (multipart above one part, at most two parts in memory); a body that fails
 * aborts the multipart upload, so nothing is left in the bucket.
 */
export class S3Storage implements ObjectStorage {
  readonly driver = 's3' as const;
  private readonly client: S3Client;

  constructor(private readonly options: S3StorageOptions) {
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // We compute and check SHA-256 ourselves; S3-compatible servers differ in the checksums they take.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private key(objectId: string): string {
    return `${this.options.keyPrefix}${OBJECTS}${assertObjectId(objectId)}`;
  }

  async put(objectId: string, body: Readable, contentType: string): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.options.bucket, Key: this.key(objectId), Body: body, ContentType: contentType },
      partSize: this.options.partSize ?? 8 * MIB,
      queueSize: 2,
      leavePartsOnError: false,
    });
    // lib-storage stops reading when a part fails but not when the body does: make sure both end it.
    const failed = new Promise<never>((_, reject) => body.once('error', reject));
    failed.catch(() => undefined);
    try {
      await Promise.race([upload.done(), failed]);
    } catch (error) {
      await upload.abort().catch(() => undefined);
      // A body that ended early may still have produced a complete single-part PUT: remove it.
      await this.delete(objectId).catch(() => undefined);
      throw error;
    }
  }

  async read(objectId: string, range?: { start: number; end: number }): Promise<Readable> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.options.bucket,
          Key: this.key(objectId),
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
      return out.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(objectId);
      throw error;
    }
  }

  async delete(objectId: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.key(objectId) }));
  }

  async exists(objectId: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.key(objectId) }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async *list(): AsyncIterable<string> {
    const prefix = `${this.options.keyPrefix}${OBJECTS}`;
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const item of page.Contents ?? []) if (item.Key) yield item.Key.slice(prefix.length);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** Aborts multipart uploads a crashed process left open (a bucket lifecycle rule does the same). */
  async sweepIncomplete(olderThanMs: number): Promise<number> {
    try {
      const out = await this.client.send(
        new ListMultipartUploadsCommand({ Bucket: this.options.bucket, Prefix: `${this.options.keyPrefix}${OBJECTS}` }),
      );
      let aborted = 0;
      for (const u of out.Uploads ?? []) {
        if (!u.Key || !u.UploadId || !u.Initiated || Date.now() - u.Initiated.getTime() < olderThanMs) continue;
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.options.bucket, Key: u.Key, UploadId: u.UploadId }));
        aborted++;
      }
      return aborted;
    } catch {
      // Not every S3-compatible server lists multipart uploads; the lifecycle rule covers them.
      return 0;
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
