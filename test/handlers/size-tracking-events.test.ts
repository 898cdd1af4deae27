import { expect } from "chai";
import { bucketsToMeasure, objectChanges } from "../../handlers/tracking/object-events.ts";
import { eventBridge, s3Record } from "./tracking-fixtures.ts";

describe("size-tracking's event shapes", () => {
  it("reads a notification record's decoded key, size, ETag, version id and sequencer", () => {
    const [change] = objectChanges({
      Records: [
        s3Record("ObjectCreated:CompleteMultipartUpload", {
          key: "a b/c+d.txt",
          size: 9,
          etag: "e",
          versionId: "V1",
          sequencer: "0A",
        }),
      ],
    });
    expect(change).to.deep.include({
      bucket: "data",
      key: "a b/c+d.txt",
      kind: "created",
      size: 9,
      etag: "e",
      versionId: "V1",
      sequencer: "0A",
    });
  });

  it("tells deletions, delete markers and lifecycle expirations apart, and ignores what stores nothing", () => {
    const kinds = [
      "ObjectRemoved:Delete",
      "ObjectRemoved:DeleteMarkerCreated",
      "LifecycleExpiration:Delete",
      "LifecycleExpiration:DeleteMarkerCreated",
      "ObjectTagging:Put",
      "ObjectRestore:Completed",
    ].map((name) => objectChanges({ Records: [s3Record(name, { key: "k", sequencer: "01" })] })[0]!.kind);
    expect(kinds).to.deep.equal(["deleted", "marker", "deleted", "marker", "other", "other"]);
  });

  it("treats a JSON null version id as no version, as a bucket without versioning sends it", () => {
    const record = s3Record("ObjectCreated:Put", { key: "k", size: 1, sequencer: "01" });
    (record.s3.object as Record<string, unknown>).versionId = null;
    expect(objectChanges({ Records: [record] })[0]!.versionId).to.equal(undefined);
  });

  it("names EventBridge deletions by their deletion type and reason", () => {
    const names = [
      eventBridge("Object Deleted", { key: "k", sequencer: "01" }),
      eventBridge("Object Deleted", { key: "k", sequencer: "01", deletionType: "Delete Marker Created" }),
      eventBridge("Object Deleted", { key: "k", sequencer: "01", reason: "Lifecycle Expiration" }),
      eventBridge("Object Created", { key: "k", size: 1, sequencer: "01", reason: "CopyObject" }),
    ].map((event) => objectChanges(event)[0]!.trigger.eventName);
    expect(names).to.deep.equal([
      "ObjectRemoved:Delete",
      "ObjectRemoved:DeleteMarkerCreated",
      "LifecycleExpiration:Delete",
      "ObjectCreated:Copy",
    ]);
  });

  it("measures a bucket once per batch, versioned when any of its records carries a version id", () => {
    const targets = bucketsToMeasure(
      objectChanges({
        Records: [
          s3Record("ObjectCreated:Put", {
            key: "a",
            size: 1,
            sequencer: "01",
            versionId: "V1",
            eventTime: "2024-01-02T03:04:06.000Z",
          }),
          s3Record("ObjectCreated:Put", {
            key: "b",
            size: 1,
            sequencer: "01",
            eventTime: "2024-01-02T03:04:05.000Z",
          }),
          s3Record("ObjectCreated:Put", { bucket: "other", key: "c", size: 1, sequencer: "01" }),
        ],
      }),
    );
    expect(targets.map((t) => [t.bucket, t.versioned, t.trigger.objectKey])).to.deep.equal([
      ["data", true, "a"],
      ["other", false, "c"],
    ]);
  });

  it("finds no change in an event that is neither shape", () => {
    expect(objectChanges({ hello: "world" })).to.deep.equal([]);
    expect(objectChanges(null)).to.deep.equal([]);
    expect(objectChanges({ source: "aws.s3", "detail-type": "Object Created", detail: {} })).to.deep.equal(
      [],
    );
  });
});
