// What S3 accepts as a bucket name and as a key, refused with S3's own errors.
import { S3Failure } from "./failure.ts";

const RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

/** Why a name breaks the general purpose bucket naming rules, or undefined when it keeps them all. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return "must be between 3 and 63 characters long";
  if (!/^[a-z0-9.-]+$/.test(name)) return "may hold only lowercase letters, numbers, dots and hyphens";
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return "must begin and end with a letter or number";
  if (name.includes("..")) return "must not hold two adjacent periods";
  if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return "must not be formatted as an IP address";
  const prefix = RESERVED_PREFIXES.find((reserved) => name.startsWith(reserved));
  if (prefix) return `must not start with the reserved prefix ${prefix}`;
  const suffix = RESERVED_SUFFIXES.find((reserved) => name.endsWith(reserved));
  if (suffix) return `must not end with the reserved suffix ${suffix}`;
  return undefined;
}

export function checkBucketName(name: string): void {
  if (bucketNameProblem(name) !== undefined) {
    throw new S3Failure(400, "InvalidBucketName", "The specified bucket is not valid.", { BucketName: name });
  }
}

export const MAX_KEY_BYTES = 1024;

/** Keys are data: any UTF-8 up to 1,024 bytes is stored exactly as sent; longer ones are refused as S3 does. */
export function checkKey(key: string): void {
  const size = Buffer.byteLength(key, "utf8");
  if (size > MAX_KEY_BYTES) {
    throw new S3Failure(400, "KeyTooLongError", "Your key is too long", {
      Size: String(size),
      MaxSizeAllowed: String(MAX_KEY_BYTES),
    });
  }
}
