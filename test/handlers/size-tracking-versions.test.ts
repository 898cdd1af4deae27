// Acceptance: the tracker's real zip on a versioned bucket of the local S3, fed by its notifications,
// one change at a time: both modes count every version's bytes and none for delete markers, as S3
// bills storage, with the current versions' bytes and count beside, through overwrites, a delete
// marker, the permanent deletion of a noncurrent version and of the marker itself.
import {
  DeleteObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { expect } from "chai";
import { deployTracker, notifyTracker } from "../../bench/tracker-stack.ts";
import { invokeTracker } from "../../bench/tracker-storm.ts";
import { bucketRecordsQuery, queryAll } from "../../handlers/common/history-query.ts";
import { startTestCloud, type TestCloud } from "../local/cloud.ts";
import { waitForRecords } from "./storm-checks.ts";

describe("size tracker on a versioned bucket, from the local S3's notifications (acceptance)", function () {
  this.timeout(300_000);
  let test: TestCloud;
  before(async () => {
    test = await startTestCloud();
  });
  after(async () => test.stop());

  for (const mode of ["incremental", "listing"] as const) {
    it(`${mode} mode counts every version and delete marker as S3 bills them, current versions beside`, async () => {
      const stack = await deployTracker(test.clients, {
        mode,
        name: `versions-${mode}`,
        bucket: `versions-${mode}`,
      });
      const s3 = test.clients.s3;
      await s3.send(
        new PutBucketVersioningCommand({
          Bucket: stack.bucket,
          VersioningConfiguration: { Status: "Enabled" },
        }),
      );
      if (mode === "incremental") {
        await invokeTracker(test.clients.lambda, stack.functionName, {
          action: "baseline",
          bucket: stack.bucket,
        });
      }
      await notifyTracker(test.clients, stack);
      const Bucket = stack.bucket;
      const put = async (Key: string, bytes: number) =>
        (await s3.send(new PutObjectCommand({ Bucket, Key, Body: "v".repeat(bytes) }))).VersionId!;
      const remove = async (Key: string, VersionId?: string) =>
        (await s3.send(new DeleteObjectCommand({ Bucket, Key, ...(VersionId ? { VersionId } : {}) })))
          .VersionId;
      let a1 = "";
      let marker: string | undefined;
      const steps: Array<() => Promise<unknown>> = [
        async () => (a1 = await put("a.txt", 10)),
        () => put("a.txt", 20),
        () => put("b.txt", 5),
        async () => (marker = await remove("a.txt")),
        () => remove("a.txt", a1),
        () => remove("a.txt", marker),
      ];
      const expected = [];
      const before = (
        await queryAll(
          test.clients.dynamodb,
          bucketRecordsQuery(stack.historyTable, Bucket, {}, "oldest-first"),
        )
      ).length;
      for (const [i, step] of steps.entries()) {
        await step();
        expected.push(await versionTruth(test, Bucket));
        await waitForRecords(test, stack.historyTable, Bucket, before + i + 1);
      }
      const records = (
        await queryAll(
          test.clients.dynamodb,
          bucketRecordsQuery(stack.historyTable, Bucket, {}, "oldest-first"),
        )
      ).slice(before);
      expect(
        records.map((r) => ({
          totalSize: r.totalSize,
          objectCount: r.objectCount,
          currentSize: r.currentSize,
          currentCount: r.currentCount,
        })),
      ).to.deep.equal(expected);
      expect(expected.map((e) => e.totalSize)).to.deep.equal([10, 30, 35, 35, 25, 25]);
      expect(expected.map((e) => e.currentSize)).to.deep.equal([10, 20, 25, 5, 5, 25]);
      expect(records.map((r) => r.trigger?.eventName)).to.deep.equal([
        "ObjectCreated:Put",
        "ObjectCreated:Put",
        "ObjectCreated:Put",
        "ObjectRemoved:DeleteMarkerCreated",
        "ObjectRemoved:Delete",
        "ObjectRemoved:Delete",
      ]);
    });
  }
});

/** Every version's bytes and count, and the current versions', as ListObjectVersions shows them. */
async function versionTruth(test: TestCloud, Bucket: string) {
  const truth = { totalSize: 0, objectCount: 0, currentSize: 0, currentCount: 0 };
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    const page = await test.clients.s3.send(
      new ListObjectVersionsCommand({ Bucket, KeyMarker, VersionIdMarker }),
    );
    for (const version of page.Versions ?? []) {
      truth.totalSize += version.Size ?? 0;
      truth.objectCount += 1;
      if (version.IsLatest) {
        truth.currentSize += version.Size ?? 0;
        truth.currentCount += 1;
      }
    }
    if (!page.IsTruncated) return truth;
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
}
