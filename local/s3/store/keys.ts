// How the S3 store lays its records out in one ordered key space. LevelDB orders keys by their bytes,
// which is S3's order (UTF-8 bytes), so every listing is a range scan that costs its page, not the bucket.
// Bucket names never hold a NUL byte, so "<kind>\0<bucket>\0" opens each bucket's range unambiguously.

const NUL = 0x00;

function prefixOf(kind: string, bucket: string): Buffer {
  return Buffer.from(`${kind}\0${bucket}\0`, "latin1");
}

/** The first key after every key that starts with `prefix` (UTF-8 never holds 0xFF). */
export function after(prefix: Buffer): Buffer {
  return Buffer.concat([prefix, Buffer.from([0xff])]);
}

/** Keys may hold NUL: escape it (00 → 00 FF) and end the key with 00 01, which keeps byte order. */
export function escapeKey(key: string): Buffer {
  const bytes = Buffer.from(key, "utf8");
  if (!bytes.includes(NUL)) return Buffer.concat([bytes, Buffer.from([NUL, 0x01])]);
  const out: number[] = [];
  for (const byte of bytes) {
    out.push(byte);
    if (byte === NUL) out.push(0xff);
  }
  out.push(NUL, 0x01);
  return Buffer.from(out);
}

/** Versions of a key sort newest first: the sequence number is stored inverted, big-endian. */
function invertedSeq(seq: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(Number.MAX_SAFE_INTEGER - seq));
  return bytes;
}

export const keys = {
  bucket: (bucket: string) => Buffer.from(`b\0${bucket}`, "latin1"),
  buckets: { gt: Buffer.from("b\0", "latin1"), lt: Buffer.from("b\x01", "latin1") },

  /** Counts and bytes per bucket, kept with every write so DeleteBucket and the console need no scan. */
  stats: (bucket: string) => Buffer.from(`k\0${bucket}`, "latin1"),

  /** The current version of each key that has one (not a delete marker): what ListObjects reads. */
  currentPrefix: (bucket: string) => prefixOf("c", bucket),
  current: (bucket: string, key: string) => Buffer.concat([prefixOf("c", bucket), Buffer.from(key, "utf8")]),

  /** Every version and delete marker, by key then newest first: what ListObjectVersions reads. */
  versionPrefix: (bucket: string) => prefixOf("v", bucket),
  versionsOf: (bucket: string, key: string) => Buffer.concat([prefixOf("v", bucket), escapeKey(key)]),
  version: (bucket: string, key: string, seq: number) =>
    Buffer.concat([prefixOf("v", bucket), escapeKey(key), invertedSeq(seq)]),
  /** Just past every version of a key (its terminator is 00 01; 00 02 is past it and before key + NUL). */
  pastVersionsOf: (bucket: string, key: string) => {
    const escaped = escapeKey(key);
    escaped[escaped.length - 1] = 0x02;
    return Buffer.concat([prefixOf("v", bucket), escaped]);
  },

  /** Where a key's "null" version sits among its versions (its sequence number). */
  nullVersion: (bucket: string, key: string) =>
    Buffer.concat([prefixOf("n", bucket), Buffer.from(key, "utf8")]),

  uploadPrefix: (bucket: string) => prefixOf("u", bucket),
  upload: (bucket: string, uploadId: string) => Buffer.from(`u\0${bucket}\0${uploadId}`, "latin1"),
  partPrefix: (uploadId: string) => Buffer.from(`p\0${uploadId}\0`, "latin1"),
  part: (uploadId: string, partNumber: number) =>
    Buffer.from(`p\0${uploadId}\0${String(partNumber).padStart(5, "0")}`, "latin1"),

  /** A small body's bytes, kept in the index itself (see INLINE_BODY_BYTES). */
  inlineBody: (sha256: string) => Buffer.from(`B\0${sha256}`, "latin1"),
  /** How many versions and parts point at a body. */
  references: (sha256: string) => Buffer.from(`r\0${sha256}`, "latin1"),
  sequence: Buffer.from("s\0sequence", "latin1"),
};
