// What the data bucket holds before the demo's first put (after its clearing): the demo expects the
// tracker to record that plus 18, 27, 0 and 2 bytes, so a bucket that already holds objects works too.
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";

export interface BucketContents {
  /** Bytes of the current objects (in a versioned bucket: the current versions, as records' currentSize). */
  totalSize: number;
  objectCount: number;
}

export async function bucketContents(s3: Pick<S3Client, "send">, bucket: string): Promise<BucketContents> {
  let totalSize = 0;
  let objectCount = 0;
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken }));
    for (const object of page.Contents ?? []) {
      totalSize += object.Size ?? 0;
      objectCount += 1;
    }
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return { totalSize, objectCount };
}
