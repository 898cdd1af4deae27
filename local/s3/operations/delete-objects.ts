// DeleteObjects: up to 1,000 keys (and versions) in one request, each authorized and deleted as its own
// DeleteObject would be, with per-key errors and quiet mode as S3 answers them.
import { xmlChildren, xmlEscape, xmlText } from "../../protocol/xml.ts";
import { hasIntegrityCheck } from "../checksums.ts";
import { S3Failure } from "../failure.ts";
import { seqOfVersionId } from "../store/versions.ts";
import { malformedXml, S3_NS, sendXml, xmlBody, xmlField } from "../wire.ts";
import { removedChange } from "./objects.ts";
import { denial, objectArn, requireBucket, type S3Operation } from "./table.ts";

interface Entry {
  key: string;
  versionId?: string;
}

export const deleteObjectsOperation: S3Operation = {
  name: "DeleteObjects",
  scope: "bucket",
  method: "POST",
  subresource: "delete",
  // Each key is authorized on its own below (DeleteObject or DeleteObjectVersion on the object's ARN).
  iam: () => [],
  async run(env, call, res) {
    requireBucket(env, call);
    if (!hasIntegrityCheck(call.req.headers)) {
      throw new S3Failure(400, "InvalidRequest", "Missing required header for this request: Content-MD5");
    }
    const root = xmlBody(call);
    if (root.name !== "Delete") throw malformedXml();
    const entries: Entry[] = xmlChildren(root, "Object").map((object) => {
      const key = object.children.find((child) => child.name === "Key")?.text;
      if (key === undefined) throw malformedXml();
      const versionId = xmlText(object, "VersionId");
      return { key, ...(versionId !== undefined ? { versionId } : {}) };
    });
    if (entries.length === 0 || entries.length > 1000) throw malformedXml();
    const quiet = xmlText(root, "Quiet") === "true";
    // Each key is its own delete, all under way at once: the store commits them together.
    const results = await Promise.all(
      entries.map(async (entry): Promise<string> => {
        const keyField = `<Key>${xmlEscape(entry.key)}</Key>${xmlField("VersionId", entry.versionId)}`;
        const error = (code: string, message: string) =>
          `<Error>${keyField}<Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`;
        const decision = env.authorize(call, {
          action: entry.versionId !== undefined ? "s3:DeleteObjectVersion" : "s3:DeleteObject",
          resources: [objectArn(call.bucket, entry.key)],
          ...(entry.versionId !== undefined ? { context: { "s3:versionid": entry.versionId } } : {}),
        });
        if (!decision.allowed) {
          const refusal = denial(decision);
          return error(refusal.code, refusal.message);
        }
        if (
          entry.versionId !== undefined &&
          entry.versionId !== "null" &&
          seqOfVersionId(entry.versionId) === undefined
        ) {
          return error("NoSuchVersion", "The specified version does not exist.");
        }
        const result = await env.store.deleteObject(call.bucket, entry.key, entry.versionId);
        const change = removedChange(result, entry.key);
        if (change) await env.notifier.publish(result.bucket, change, call);
        if (quiet) return "";
        const marker = result.marker ?? (result.removed?.deleteMarker ? result.removed : undefined);
        const markerFields = marker
          ? `<DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>${marker.versionId}</DeleteMarkerVersionId>`
          : "";
        return `<Deleted>${keyField}${markerFields}</Deleted>`;
      }),
    );
    sendXml(res, call, 200, `<DeleteResult ${S3_NS}>${results.join("")}</DeleteResult>`);
  },
};
