// The checksums S3 verifies on an upload (Content-MD5 and the x-amz-checksum-* family) and keeps with
// the object, so SDKs left at their defaults can both send and check them.
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import { S3Failure } from "./failure.ts";
import type { ObjectChecksum } from "./store/records.ts";

const CRC32C_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32C (Castagnoli), which node:zlib lacks. */
export function crc32c(data: Buffer): number {
  let crc = -1;
  for (let i = 0; i < data.length; i++) crc = CRC32C_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

function uint32(value: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes.toString("base64");
}

/** Algorithms S3 offers and how to compute them; CRC64NVME is kept as sent, not recomputed. */
const DIGESTS: Record<ObjectChecksum["algorithm"], ((data: Buffer) => string) | undefined> = {
  CRC32: (data) => uint32(crc32(data)),
  CRC32C: (data) => uint32(crc32c(data)),
  SHA1: (data) => createHash("sha1").update(data).digest("base64"),
  SHA256: (data) => createHash("sha256").update(data).digest("base64"),
  CRC64NVME: undefined,
};

export const CHECKSUM_ALGORITHMS = Object.keys(DIGESTS) as Array<ObjectChecksum["algorithm"]>;

type HeaderValues = Record<string, string | string[] | undefined>;

/**
 * Checks Content-MD5 and any x-amz-checksum-<algorithm> (from headers or aws-chunked trailers) against
 * the bytes, as S3 does, and returns the checksum to keep with the object.
 */
export function verifyChecksums(payload: Buffer, values: HeaderValues): ObjectChecksum | undefined {
  const md5 = values["content-md5"];
  if (typeof md5 === "string") {
    if (Buffer.from(md5, "base64").length !== 16) {
      throw new S3Failure(400, "InvalidDigest", "The Content-MD5 you specified was invalid.", {
        "Content-MD5": md5,
      });
    }
    const calculated = createHash("md5").update(payload).digest("base64");
    if (calculated !== md5) {
      throw new S3Failure(400, "BadDigest", "The Content-MD5 you specified did not match what we received.", {
        ExpectedDigest: md5,
        CalculatedDigest: calculated,
      });
    }
  }
  let kept: ObjectChecksum | undefined;
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const expected = values[`x-amz-checksum-${algorithm.toLowerCase()}`];
    if (typeof expected !== "string") continue;
    const digest = DIGESTS[algorithm];
    if (digest && expected !== digest(payload)) {
      throw new S3Failure(
        400,
        "BadDigest",
        `The ${algorithm} you specified did not match the calculated checksum.`,
      );
    }
    kept = { algorithm, value: expected, type: "FULL_OBJECT" };
  }
  return kept;
}

/** A SigV4 payload hash (x-amz-content-sha256) must be the SHA-256 of the body, as S3 checks it. */
export function verifyPayloadHash(body: Buffer, declared: string | string[] | undefined): void {
  if (typeof declared !== "string" || !/^[0-9a-f]{64}$/.test(declared)) return;
  const computed = createHash("sha256").update(body).digest("hex");
  if (computed !== declared) {
    throw new S3Failure(
      400,
      "XAmzContentSHA256Mismatch",
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
      { ClientComputedContentSHA256: declared, S3ComputedContentSHA256: computed },
    );
  }
}

/** Whether a request carries an integrity check S3 requires on some calls (DeleteObjects, PutBucket*). */
export function hasIntegrityCheck(values: HeaderValues): boolean {
  return (
    typeof values["content-md5"] === "string" ||
    Object.keys(values).some(
      (name) => name.startsWith("x-amz-checksum-") && name !== "x-amz-checksum-mode",
    ) ||
    typeof values["x-amz-sdk-checksum-algorithm"] === "string"
  );
}
