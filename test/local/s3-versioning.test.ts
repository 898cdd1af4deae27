import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { expect } from "chai";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import { failure, raw } from "./s3-helpers.ts";

describe("local S3 versioning", () => {
  let test: TestCloud;
  let s3: S3Client;
  const text = async (Bucket: string, Key: string, VersionId?: string) => {
    const got = await s3.send(new GetObjectCommand({ Bucket, Key, ...(VersionId ? { VersionId } : {}) }));
    return got.Body!.transformToString();
  };
  const versions = async (Bucket: string, Prefix = "") => {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix }));
    return [
      ...(page.Versions ?? []).map((v) => ({
        key: v.Key,
        id: v.VersionId,
        latest: v.IsLatest,
        marker: false,
        at: v.LastModified,
      })),
      ...(page.DeleteMarkers ?? []).map((v) => ({
        key: v.Key,
        id: v.VersionId,
        latest: v.IsLatest,
        marker: true,
        at: v.LastModified,
      })),
    ];
  };
  const enable = (Bucket: string, Status: "Enabled" | "Suspended" = "Enabled") =>
    s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status } }));

  before(async () => {
    test = await startTestCloud();
    s3 = test.clients.s3;
  });
  after(async () => test.stop());

  it("reports versioning unset until configured, then Enabled or Suspended, refusing any other status", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "states" }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: "states" }))).Status).to.equal(undefined);
    const put = await s3.send(new PutObjectCommand({ Bucket: "states", Key: "k", Body: "1" }));
    expect(put.VersionId).to.equal(undefined);
    await enable("states");
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: "states" }))).Status).to.equal("Enabled");
    await enable("states", "Suspended");
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: "states" }))).Status).to.equal(
      "Suspended",
    );
    const wrong = await raw(test.cloud.endpoint, "PUT", "/states?versioning", {
      body: "<VersioningConfiguration><Status>Off</Status></VersioningConfiguration>",
    });
    expect([wrong.status, wrong.code]).to.deep.equal([400, "MalformedXML"]);
  });

  it("keeps every version of a key, serves each by id, and lists them newest first", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "history" }));
    await enable("history");
    const first = await s3.send(new PutObjectCommand({ Bucket: "history", Key: "doc", Body: "one" }));
    const second = await s3.send(new PutObjectCommand({ Bucket: "history", Key: "doc", Body: "two" }));
    expect(first.VersionId).to.match(/^[A-Za-z0-9_-]{32}$/);
    expect(second.VersionId).to.not.equal(first.VersionId);
    expect(await text("history", "doc")).to.equal("two");
    expect(await text("history", "doc", first.VersionId)).to.equal("one");
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: "history", Key: "doc", VersionId: first.VersionId! }),
    );
    expect([head.VersionId, head.ContentLength]).to.deep.equal([first.VersionId, 3]);
    expect((await versions("history")).map((v) => [v.id, v.latest])).to.deep.equal([
      [second.VersionId, true],
      [first.VersionId, false],
    ]);
  });

  it("hides a key behind a delete marker, answers 404 and 405 as S3 does, and brings it back when the marker goes", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "marked" }));
    await enable("marked");
    const put = await s3.send(new PutObjectCommand({ Bucket: "marked", Key: "doc", Body: "kept" }));
    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: "marked", Key: "doc" }));
    expect(deleted.DeleteMarker).to.equal(true);
    expect(deleted.VersionId).to.match(/^[A-Za-z0-9_-]{32}$/);
    const hidden = await raw(test.cloud.endpoint, "GET", "/marked/doc");
    expect([hidden.status, hidden.code]).to.deep.equal([404, "NoSuchKey"]);
    expect(hidden.headers["x-amz-delete-marker"]).to.equal("true");
    expect(hidden.headers["x-amz-version-id"]).to.equal(deleted.VersionId);
    const markerRead = await raw(test.cloud.endpoint, "GET", `/marked/doc?versionId=${deleted.VersionId}`);
    expect([markerRead.status, markerRead.code]).to.deep.equal([405, "MethodNotAllowed"]);
    expect(markerRead.headers["x-amz-delete-marker"]).to.equal("true");
    expect((await s3.send(new ListObjectsV2Command({ Bucket: "marked" }))).KeyCount).to.equal(0);
    expect((await versions("marked")).map((v) => [v.marker, v.latest])).to.deep.equal([
      [false, false],
      [true, true],
    ]);
    expect(await text("marked", "doc", put.VersionId)).to.equal("kept");
    const removed = await s3.send(
      new DeleteObjectCommand({ Bucket: "marked", Key: "doc", VersionId: deleted.VersionId! }),
    );
    expect([removed.DeleteMarker, removed.VersionId]).to.deep.equal([true, deleted.VersionId]);
    expect(await text("marked", "doc")).to.equal("kept");
    expect((await s3.send(new ListObjectsV2Command({ Bucket: "marked" }))).KeyCount).to.equal(1);
  });

  it("removes one version for good, leaving the newest current, or promoting the next when the newest goes", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "pruned" }));
    await enable("pruned");
    const ids: string[] = [];
    for (const body of ["v1", "v2", "v3"]) {
      ids.push(
        (await s3.send(new PutObjectCommand({ Bucket: "pruned", Key: "doc", Body: body }))).VersionId!,
      );
    }
    await s3.send(new DeleteObjectCommand({ Bucket: "pruned", Key: "doc", VersionId: ids[1]! }));
    expect(await text("pruned", "doc")).to.equal("v3");
    await s3.send(new DeleteObjectCommand({ Bucket: "pruned", Key: "doc", VersionId: ids[2]! }));
    expect(await text("pruned", "doc")).to.equal("v1");
    expect((await versions("pruned")).map((v) => [v.id, v.latest])).to.deep.equal([[ids[0], true]]);
    const missing = await failure(
      s3.send(new GetObjectCommand({ Bucket: "pruned", Key: "doc", VersionId: ids[1]! })),
    );
    expect([missing.name, missing.message]).to.deep.equal([
      "NoSuchVersion",
      "The specified version does not exist.",
    ]);
    const malformed = await failure(
      s3.send(new GetObjectCommand({ Bucket: "pruned", Key: "doc", VersionId: "nope" })),
    );
    expect([malformed.name, malformed.message]).to.deep.equal([
      "InvalidArgument",
      "Invalid version id specified",
    ]);
  });

  it("writes the null version while suspended, replacing it on every write, and keeps the versions made before", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "paused" }));
    await enable("paused");
    const kept = await s3.send(new PutObjectCommand({ Bucket: "paused", Key: "doc", Body: "versioned" }));
    await enable("paused", "Suspended");
    const first = await s3.send(new PutObjectCommand({ Bucket: "paused", Key: "doc", Body: "null one" }));
    const second = await s3.send(new PutObjectCommand({ Bucket: "paused", Key: "doc", Body: "null two" }));
    expect([first.VersionId, second.VersionId]).to.deep.equal(["null", "null"]);
    expect((await versions("paused")).map((v) => [v.id, v.latest])).to.deep.equal([
      ["null", true],
      [kept.VersionId, false],
    ]);
    expect(await text("paused", "doc", "null")).to.equal("null two");
    const marker = await s3.send(new DeleteObjectCommand({ Bucket: "paused", Key: "doc" }));
    expect([marker.DeleteMarker, marker.VersionId]).to.deep.equal([true, "null"]);
    expect((await versions("paused")).map((v) => [v.id, v.marker])).to.deep.equal([
      [kept.VersionId, false],
      ["null", true],
    ]);
  });

  it("pages ListObjectVersions by key and version markers, with common prefixes, each version exactly once", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "paged" }));
    await enable("paged");
    const expected: string[] = [];
    for (const key of ["a", "b/1", "b/2", "c"]) {
      for (let i = 0; i < 3; i++) {
        const { VersionId } = await s3.send(
          new PutObjectCommand({ Bucket: "paged", Key: key, Body: `${key}${i}` }),
        );
        expected.push(`${key}@${VersionId}`);
      }
    }
    await s3.send(new DeleteObjectCommand({ Bucket: "paged", Key: "c" }));
    const seen: string[] = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await s3.send(
        new ListObjectVersionsCommand({
          Bucket: "paged",
          MaxKeys: 4,
          ...(keyMarker ? { KeyMarker: keyMarker } : {}),
          ...(versionMarker ? { VersionIdMarker: versionMarker } : {}),
        }),
      );
      pages += 1;
      const entries = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])];
      expect(entries.length).to.be.at.most(4);
      seen.push(...(page.Versions ?? []).map((v) => `${v.Key}@${v.VersionId}`));
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      versionMarker = page.NextVersionIdMarker;
    }
    expect(pages).to.equal(4);
    expect(seen.sort()).to.deep.equal(expected.sort());
    const grouped = await s3.send(new ListObjectVersionsCommand({ Bucket: "paged", Delimiter: "/" }));
    expect(grouped.CommonPrefixes?.map((entry) => entry.Prefix)).to.deep.equal(["b/"]);
    expect(grouped.Versions?.map((v) => v.Key)).to.deep.equal(["a", "a", "a", "c", "c", "c"]);
    const lone = await raw(test.cloud.endpoint, "GET", "/paged?versions&version-id-marker=x");
    expect([lone.status, lone.code]).to.deep.equal([400, "InvalidArgument"]);
  });

  it("copies from an older version, naming it in x-amz-copy-source-version-id", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "copies" }));
    await enable("copies");
    const old = await s3.send(new PutObjectCommand({ Bucket: "copies", Key: "doc", Body: "old" }));
    await s3.send(new PutObjectCommand({ Bucket: "copies", Key: "doc", Body: "new" }));
    const copy = await s3.send(
      new CopyObjectCommand({
        Bucket: "copies",
        Key: "restored",
        CopySource: `copies/doc?versionId=${old.VersionId}`,
      }),
    );
    expect(copy.CopySourceVersionId).to.equal(old.VersionId);
    expect(copy.VersionId).to.match(/^[A-Za-z0-9_-]{32}$/);
    expect(await text("copies", "restored")).to.equal("old");
  });

  it("empties a versioned bucket as teardown does, with DeleteObjects naming every version and marker", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "teardown" }));
    await enable("teardown");
    for (let i = 0; i < 5; i++)
      await s3.send(new PutObjectCommand({ Bucket: "teardown", Key: `k${i % 2}`, Body: `${i}` }));
    await s3.send(new DeleteObjectCommand({ Bucket: "teardown", Key: "k0" }));
    for (;;) {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: "teardown", MaxKeys: 3 }));
      const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({
        Key: v.Key!,
        VersionId: v.VersionId!,
      }));
      if (objects.length === 0) break;
      const result = await s3.send(
        new DeleteObjectsCommand({ Bucket: "teardown", Delete: { Objects: objects } }),
      );
      expect(result.Errors ?? []).to.deep.equal([]);
      expect(result.Deleted?.filter((entry) => entry.DeleteMarker)).to.have.length(
        page.DeleteMarkers?.length ?? 0,
      );
    }
    await s3.send(new DeleteBucketCommand({ Bucket: "teardown" }));
  });

  it("lists an unversioned bucket's objects as versions with VersionId null", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: "plain" }));
    await s3.send(new PutObjectCommand({ Bucket: "plain", Key: "x", Body: "1" }));
    await s3.send(new PutObjectCommand({ Bucket: "plain", Key: "x", Body: "2" }));
    expect((await versions("plain")).map((v) => [v.key, v.id, v.latest])).to.deep.equal([
      ["x", "null", true],
    ]);
  });
});
