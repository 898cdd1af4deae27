// Finding the version a request names, with S3's answers when there is none: NoSuchKey (marked as a
// delete marker when the key's newest version is one), NoSuchVersion, and 405 for a delete marker
// named by its version id.
import { S3Failure } from "./failure.ts";
import { httpDate } from "./object-headers.ts";
import type { S3Store } from "./store/index.ts";
import type { ObjectVersion } from "./store/records.ts";
import { seqOfVersionId } from "./store/versions.ts";

export function checkVersionId(versionId: string): void {
  if (versionId !== "null" && seqOfVersionId(versionId) === undefined) {
    throw new S3Failure(400, "InvalidArgument", "Invalid version id specified", {
      ArgumentName: "versionId",
      ArgumentValue: versionId,
    });
  }
}

export function noSuchKey(key: string, headers = {}): S3Failure {
  return new S3Failure(404, "NoSuchKey", "The specified key does not exist.", { Key: key }, headers);
}

export function noSuchVersion(key: string, versionId: string): S3Failure {
  return new S3Failure(404, "NoSuchVersion", "The specified version does not exist.", {
    Key: key,
    VersionId: versionId,
  });
}

export function deleteMarkerHeaders(marker: ObjectVersion) {
  return { "x-amz-delete-marker": "true", "x-amz-version-id": marker.versionId };
}

/** The object version a GET, HEAD or tagging call reads: the current one, or the one named by versionId. */
export async function findVersion(
  store: S3Store,
  bucket: string,
  key: string,
  versionId: string | null,
): Promise<ObjectVersion> {
  if (versionId === null) {
    const current = store.current(bucket, key);
    if (current) return current;
    const newest = await store.newest(bucket, key);
    throw noSuchKey(key, newest?.deleteMarker ? deleteMarkerHeaders(newest) : {});
  }
  checkVersionId(versionId);
  const version = store.version(bucket, key, versionId);
  if (!version) throw noSuchVersion(key, versionId);
  if (version.deleteMarker) {
    throw new S3Failure(
      405,
      "MethodNotAllowed",
      "The specified method is not allowed against this resource.",
      {
        Method: "GET",
        ResourceType: "DeleteMarker",
      },
      { ...deleteMarkerHeaders(version), allow: "DELETE", "last-modified": httpDate(version.lastModified) },
    );
  }
  return version;
}
