import { createReadStream } from 'node:fs';
import { mkdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import type { SqlTable } from '../../sql/tables.js';
import { curatedKeys, type RawListing } from '../curated-layout.js';
import type { CuratedStore, LockResult, StagedRaw, StoredObject } from '../curated-store.js';
import { diedHere, holderProcess, type LockHolder, lockHolderOf } from '../lock-holder.js';

const statusOf = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const missing = (error: unknown) =>
  statusOf(error) === 404 || ['NoSuchKey', 'NotFound'].includes((error as { name?: string }).name ?? '');
const preconditionFailed = (error: unknown) => statusOf(error) === 412 || statusOf(error) === 409;

/**
 * The archive in S3, as the compaction sees it. Raw objects are listed (ListObjectsV2, a thousand
 * keys a request) and downloaded into the work folder with the provenance S3 keeps as metadata
 * (or, for an archive uploaded with `aws s3 sync`, from the sidecars under `provenance/`). New files
 * are put with `If-None-Match: *`; a manifest or the symlink list is one PUT, which S3 makes visible
 * at once and whole. The lock is an object written with `If-None-Match: *` and taken over, once its
 * lease has run out, with `If-Match` on what was read, so two takers cannot both win.
 */
export class S3CuratedStore implements CuratedStore {
  readonly location: string;
  private readonly io: ReturnType<typeof pLimit>;
  /** Owners whose lock this store gave back: not renewed since. */
  private readonly given = new Set<string>();

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix = '',
    options: {
      readonly concurrency?: number;
      /**
       * Whether the lock records this machine and process (a CLI run), so a later run here takes
       * it over at once once that process is gone. Not in a Lambda: its sandboxes share neither,
       * and each holds the lock only for its invocation. @default true
       */
      readonly recordProcess?: boolean;
    } = {},
  ) {
    this.location = `s3://${bucket}${prefix ? `/${prefix}` : ''}`;
    this.io = pLimit(options.concurrency ?? 32);
    this.recordProcess = options.recordProcess ?? true;
  }

  private readonly recordProcess: boolean;

  async listRaw(table: SqlTable): Promise<RawListing> {
    const listing = new Map<string, string[]>();
    const base = `raw/${table.folder}/`;
    for (const { key } of await this.list(base)) {
      const match = /^appid=([^/]+)\/(.+)\/response\.json$/.exec(key.slice(base.length));
      if (!match) continue;
      const [, appid, partition] = match as unknown as [string, string, string];
      const partitions = listing.get(appid) ?? [];
      partitions.push(partition);
      listing.set(appid, partitions);
    }
    return listing;
  }

  async listingSettled(): Promise<void> {
    // A listing of S3 is always whole: a LIST names every key, there is nothing to skip.
  }

  /** Whether anything is archived under the prefix (one LIST of one key). */
  async hasRaw(): Promise<boolean> {
    const page = await this.s3.send(
      new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.objectKey('raw/'), MaxKeys: 1 }),
    );
    return (page.KeyCount ?? page.Contents?.length ?? 0) > 0;
  }

  listReplaced(table: SqlTable): Promise<readonly StoredObject[]> {
    return this.list(`replaced/${table.folder}/`);
  }

  async stageRaw(keys: readonly string[], workDir: string): Promise<StagedRaw[]> {
    return Promise.all(
      keys.map((key) =>
        this.io(async () => {
          const answer = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
          const path = this.localPath(workDir, key);
          await mkdir(dirname(path), { recursive: true });
          await writeFile(path, (await answer.Body?.transformToByteArray()) ?? new Uint8Array());
          const metadata = answer.Metadata ?? {};
          const recorded = metadata['fetched-at']
            ? { fetchedAt: metadata['fetched-at'], shape: metadata.shape ?? 'https' }
            : await this.sidecar(key);
          return { key, path, ...recorded };
        }),
      ),
    );
  }

  /** The provenance sidecar of a key, when S3 has no metadata (an archive synced from a local folder). */
  private async sidecar(key: string): Promise<{ fetchedAt?: string; shape?: string }> {
    const text = await this.readText(`provenance/${key.replace(/^raw\//, '')}.provenance.json`);
    if (text === undefined) return {};
    try {
      const json = JSON.parse(text) as { fetchedAt?: unknown; shape?: unknown };
      return typeof json.fetchedAt === 'string'
        ? { fetchedAt: json.fetchedAt, shape: typeof json.shape === 'string' ? json.shape : 'https' }
        : {};
    } catch {
      return {};
    }
  }

  async discard(paths: readonly string[]): Promise<void> {
    await Promise.all(paths.map((path) => unlink(path).catch(() => undefined)));
  }

  async readText(key: string): Promise<string | undefined> {
    try {
      const answer = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return (await answer.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      if (missing(error)) return undefined;
      throw error;
    }
  }

  async sizeOf(key: string): Promise<number | undefined> {
    try {
      return (await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) })))
        .ContentLength;
    } catch (error) {
      if (missing(error)) return undefined;
      throw error;
    }
  }

  async versionOf(key: string): Promise<string | undefined> {
    try {
      return (await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }))).ETag;
    } catch (error) {
      if (missing(error)) return undefined;
      throw error;
    }
  }

  async stageObject(key: string, workDir: string): Promise<string | undefined> {
    try {
      const answer = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      const path = this.localPath(workDir, key);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, (await answer.Body?.transformToByteArray()) ?? new Uint8Array());
      return path;
    } catch (error) {
      if (missing(error)) return undefined;
      throw error;
    }
  }

  async putFile(key: string, path: string): Promise<string | undefined> {
    const { ETag } = await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        Body: createReadStream(path),
        ContentLength: (await stat(path)).size,
        ContentType: 'application/vnd.apache.parquet',
        IfNoneMatch: '*',
      }),
    );
    await unlink(path).catch(() => undefined);
    return ETag;
  }

  async putText(key: string, text: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        Body: text,
        // The SDK sets no length for an empty body, then warns of "a Stream of unknown length" on
        // stderr (an empty table's symlink list is empty): the length is given, always.
        ContentLength: Buffer.byteLength(text),
        ContentType: key.endsWith('.json') ? 'application/json' : 'text/plain; charset=utf-8',
      }),
    );
  }

  async list(prefix: string): Promise<readonly StoredObject[]> {
    const objects: StoredObject[] = [];
    const base = this.objectKey('');
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.objectKey(prefix), ContinuationToken: token }),
      );
      for (const o of page.Contents ?? [])
        if (o.Key)
          objects.push({
            key: o.Key.slice(base.length),
            lastModified: o.LastModified ?? new Date(0),
            ...(o.Size === undefined ? {} : { size: o.Size }),
            ...(o.ETag === undefined ? {} : { etag: o.ETag }),
          });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects;
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      await this.s3.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: keys.slice(i, i + 1000).map((key) => ({ Key: this.objectKey(key) })), Quiet: true },
        }),
      );
    }
  }

  athenaLocation(key: string): string {
    return `s3://${this.bucket}/${this.objectKey(key)}`;
  }

  async lock(owner: string, leaseMs: number): Promise<LockResult> {
    const key = this.objectKey(curatedKeys.lock);
    const body = () =>
      JSON.stringify({
        owner,
        until: new Date(Date.now() + leaseMs).toISOString(),
        ...(this.recordProcess ? holderProcess() : {}),
      });
    const put = async (condition: { IfNoneMatch: string } | { IfMatch: string }) =>
      (
        await this.s3.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: body(),
            ContentType: 'application/json',
            ...condition,
          }),
        )
      ).ETag;
    let etag: string | undefined;
    this.given.delete(owner);
    try {
      etag = await put({ IfNoneMatch: '*' });
    } catch (error) {
      if (!preconditionFailed(error)) throw error;
      const current = await this.readLock();
      if (current && Date.parse(current.until) > Date.now() && !diedHere(current))
        return { held: false, owner: current.owner, until: current.until };
      // Its holder died (a process on this machine that is gone) or overran its lease: take it over, unless someone else does first.
      try {
        etag = await put(current?.etag ? { IfMatch: current.etag } : { IfNoneMatch: '*' });
      } catch (takeover) {
        if (!preconditionFailed(takeover)) throw takeover;
        const winner = await this.readLock();
        return { held: false, owner: winner?.owner ?? 'another compaction', until: winner?.until ?? '' };
      }
    }
    return {
      held: true,
      renew: async () => {
        // Given back (Ctrl-C while the compaction goes on): not written again.
        if (this.given.has(owner)) return;
        etag = await put({ IfMatch: etag ?? '*' });
      },
      release: () => this.unlock(owner),
    };
  }

  async unlock(owner: string): Promise<void> {
    this.given.add(owner);
    const current = await this.readLock();
    if (current?.owner !== owner) return;
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(curatedKeys.lock) }));
  }

  private async readLock(): Promise<(LockHolder & { etag?: string }) | undefined> {
    try {
      const answer = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(curatedKeys.lock) }),
      );
      const json = JSON.parse((await answer.Body?.transformToString()) ?? '{}') as Record<string, unknown>;
      return { ...lockHolderOf(json), etag: answer.ETag };
    } catch (error) {
      if (missing(error)) return undefined;
      if (error instanceof SyntaxError) return { owner: 'another compaction', until: '' };
      throw error;
    }
  }

  private objectKey(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private localPath(workDir: string, key: string): string {
    const root = resolve(workDir);
    const path = resolve(join(root, key));
    if (!path.startsWith(root + sep)) throw new Error(`"${key}" escapes ${root}`);
    return path;
  }
}
