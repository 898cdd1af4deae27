// The records the S3 store keeps: one per bucket, one per object version (or delete marker), one per
// multipart upload and part. Plain JSON, so a state dir can be read with any LevelDB tool.
import type { CorsRule } from "../cors.ts";
import type { NotificationConfiguration } from "../notification-config.ts";

export interface Tag {
  key: string;
  value: string;
}

export interface EncryptionRule {
  algorithm: string;
  kmsKeyId?: string;
  bucketKeyEnabled?: boolean;
}

export type VersioningStatus = "Enabled" | "Suspended";

export interface BucketRecord {
  name: string;
  /** The bucket's LocationConstraint ("us-east-1" when none was given). */
  region: string;
  /** Epoch milliseconds. */
  created: number;
  /** Absent until versioning is first configured, as on S3 (a bucket can never go back to unversioned). */
  versioning?: VersioningStatus;
  notification?: NotificationConfiguration;
  publicAccessBlock?: Record<string, boolean>;
  encryption?: EncryptionRule[];
  tags?: Tag[];
  /** The bucket policy exactly as it was put (S3 returns the document as stored). */
  policy?: string;
  cors?: CorsRule[];
}

export interface BucketStats {
  /** Versions and delete markers: a bucket is empty when this is 0. */
  versions: number;
  /** Keys with a current version (what ListObjectsV2 shows). */
  objects: number;
  /** Bytes of the current versions. */
  bytes: number;
  /** Bytes of every version, current and noncurrent (what S3 bills). */
  versionBytes: number;
}

/** The headers S3 keeps with an object and answers GET and HEAD with. */
export interface StoredHeaders {
  "content-type"?: string;
  "content-disposition"?: string;
  "content-encoding"?: string;
  "content-language"?: string;
  "cache-control"?: string;
  expires?: string;
  "x-amz-website-redirect-location"?: string;
  "x-amz-storage-class"?: string;
}

export interface ObjectChecksum {
  algorithm: "CRC32" | "CRC32C" | "CRC64NVME" | "SHA1" | "SHA256";
  value: string;
  type: "FULL_OBJECT" | "COMPOSITE";
}

export interface ObjectVersion {
  key: string;
  /** "null" for the version of an unversioned or suspended bucket. */
  versionId: string;
  /** Store-wide write order: orders a key's versions and becomes the event sequencer. */
  seq: number;
  /** Epoch milliseconds. */
  lastModified: number;
  deleteMarker?: true;
  size: number;
  /** Without quotes: the MD5 of the bytes, or "<md5 of part MD5s>-<parts>" for a multipart upload. */
  etag: string;
  /** The MD5 of the bytes when the ETag is not it (a multipart upload's), for copies. */
  md5?: string;
  /** SHA-256 of the bytes: the body file's name. Absent for a delete marker. */
  body?: string;
  headers: StoredHeaders;
  /** User metadata, names without the x-amz-meta- prefix, lower case. */
  metadata: Record<string, string>;
  tags?: Tag[];
  checksum?: ObjectChecksum;
  /** Part sizes of a multipart object, for GetObject/HeadObject with partNumber. */
  parts?: number[];
}

export interface UploadRecord {
  uploadId: string;
  bucket: string;
  key: string;
  /** Epoch milliseconds. */
  initiated: number;
  headers: StoredHeaders;
  metadata: Record<string, string>;
  tags?: Tag[];
  checksumAlgorithm?: ObjectChecksum["algorithm"];
}

export interface PartRecord {
  partNumber: number;
  etag: string;
  size: number;
  body: string;
  lastModified: number;
  checksum?: string;
}
