import {
  CreateBucketCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { expect } from "chai";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import { failure, raw } from "./s3-helpers.ts";

const byteOrder = (x: string, y: string) => Buffer.compare(Buffer.from(x), Buffer.from(y));

describe("local S3 listings", () => {
  let test: TestCloud;
  let s3: S3Client;
  const keys: string[] = [];
  before(async () => {
    test = await startTestCloud();
    s3 = test.clients.s3;
    await s3.send(new CreateBucketCommand({ Bucket: "many" }));
    // Keys whose file-system order differs from key order ("a" < "a-b" < "a.b" < "a/b"), UTF-8 order
    // that differs from UTF-16 order ("\uFF21" sorts after "\u{1F600}" in JavaScript, before it in UTF-8),
    // and enough keys to page.
    keys.push("a", "a-b", "a/b", "a.b", "a/c/d", "\uFF21", "\u{1F600}");
    for (let i = 0; i < 1100; i++) keys.push(`k/${String(i).padStart(4, "0")}`);
    for (let i = 0; i < keys.length; i += 100) {
      await Promise.all(
        keys
          .slice(i, i + 100)
          .map((Key) => s3.send(new PutObjectCommand({ Bucket: "many", Key, Body: "x" }))),
      );
    }
  });
  after(async () => test.stop());

  it("pages ListObjectsV2 across more than 1,000 keys in UTF-8 byte order, each key exactly once", async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: "many",
          MaxKeys: 300,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      pages += 1;
      seen.push(...(page.Contents ?? []).map((entry) => entry.Key ?? ""));
      expect(page.KeyCount).to.equal(page.Contents?.length ?? 0);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(pages).to.equal(4);
    expect(seen).to.deep.equal([...keys].sort(byteOrder));
  });

  it("caps a page at 1,000 keys and reports size, ETag, storage class and, when asked, the owner", async () => {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: "many" }));
    expect(page.Contents).to.have.length(1000);
    expect(page.IsTruncated).to.equal(true);
    const first = page.Contents![0]!;
    expect([first.Size, first.ETag, first.StorageClass, first.Owner]).to.deep.equal([
      1,
      '"9dd4e461268c8034f5c8564e155c67a6"',
      "STANDARD",
      undefined,
    ]);
    const owned = await s3.send(new ListObjectsV2Command({ Bucket: "many", MaxKeys: 1, FetchOwner: true }));
    expect(owned.Contents?.[0]?.Owner?.ID).to.match(/^[0-9a-f]{64}$/);
  });

  it("groups keys under a delimiter into common prefixes that count towards max-keys", async () => {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: "many", Delimiter: "/" }));
    expect(page.CommonPrefixes?.map((entry) => entry.Prefix)).to.deep.equal(["a/", "k/"]);
    expect(page.Contents?.map((entry) => entry.Key)).to.deep.equal([
      "a",
      "a-b",
      "a.b",
      "\uFF21",
      "\u{1F600}",
    ]);
    const nested = await s3.send(new ListObjectsV2Command({ Bucket: "many", Prefix: "a/", Delimiter: "/" }));
    expect(nested.Contents?.map((entry) => entry.Key)).to.deep.equal(["a/b"]);
    expect(nested.CommonPrefixes?.map((entry) => entry.Prefix)).to.deep.equal(["a/c/"]);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: "many",
          Delimiter: "/",
          MaxKeys: 2,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      seen.push(
        ...(page.Contents ?? []).map((entry) => entry.Key!),
        ...(page.CommonPrefixes ?? []).map((entry) => entry.Prefix!),
      );
      expect((page.Contents?.length ?? 0) + (page.CommonPrefixes?.length ?? 0)).to.be.at.most(2);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(seen.sort(byteOrder)).to.deep.equal(
      ["a", "a-b", "a.b", "a/", "k/", "\uFF21", "\u{1F600}"].sort(byteOrder),
    );
  });

  it("starts after a key, includes a key equal to the prefix, and stops at the end of the prefix", async () => {
    const after = await s3.send(new ListObjectsV2Command({ Bucket: "many", StartAfter: "k/1097" }));
    expect(after.Contents?.map((entry) => entry.Key)).to.deep.equal([
      "k/1098",
      "k/1099",
      "\uFF21",
      "\u{1F600}",
    ]);
    const prefixed = await s3.send(new ListObjectsV2Command({ Bucket: "many", Prefix: "a" }));
    expect(prefixed.Contents?.map((entry) => entry.Key)).to.deep.equal(["a", "a-b", "a.b", "a/b", "a/c/d"]);
    const none = await s3.send(new ListObjectsV2Command({ Bucket: "many", Prefix: "zzz" }));
    expect([none.KeyCount, none.Contents, none.IsTruncated]).to.deep.equal([0, undefined, false]);
  });

  it("URL-encodes keys and prefixes with encoding-type=url", async () => {
    await s3.send(new PutObjectCommand({ Bucket: "many", Key: "odd key/€", Body: "x" }));
    const page = await raw(test.cloud.endpoint, "GET", "/many?list-type=2&prefix=odd&encoding-type=url");
    expect(page.text)
      .to.contain("<Key>odd%20key/%E2%82%AC</Key>")
      .and.contain("<EncodingType>url</EncodingType>");
    const bad = await raw(test.cloud.endpoint, "GET", "/many?list-type=2&encoding-type=base64");
    expect([bad.status, bad.code]).to.deep.equal([400, "InvalidArgument"]);
  });

  it("pages ListObjects (V1) with markers, naming NextMarker only with a delimiter", async () => {
    const first = await s3.send(new ListObjectsCommand({ Bucket: "many", MaxKeys: 3 }));
    expect(first.Contents?.map((entry) => entry.Key)).to.deep.equal(["a", "a-b", "a.b"]);
    expect([first.IsTruncated, first.NextMarker]).to.deep.equal([true, undefined]);
    expect(first.Contents?.[0]?.Owner?.ID).to.match(/^[0-9a-f]{64}$/);
    const next = await s3.send(new ListObjectsCommand({ Bucket: "many", MaxKeys: 3, Marker: "a.b" }));
    expect(next.Contents?.map((entry) => entry.Key)).to.deep.equal(["a/b", "a/c/d", "k/0000"]);
    const grouped = await s3.send(new ListObjectsCommand({ Bucket: "many", Delimiter: "/", MaxKeys: 4 }));
    expect(grouped.NextMarker).to.equal("a/");
    const resumed = await s3.send(new ListObjectsCommand({ Bucket: "many", Delimiter: "/", Marker: "a/" }));
    expect(resumed.CommonPrefixes?.map((entry) => entry.Prefix)).to.deep.equal(["k/", "odd key/"]);
    expect(resumed.Contents?.map((entry) => entry.Key)).to.deep.equal(["\uFF21", "\u{1F600}"]);
  });

  it("refuses a max-keys that is not a number, and a continuation token it did not hand out", async () => {
    const notNumber = await raw(test.cloud.endpoint, "GET", "/many?list-type=2&max-keys=ten");
    expect([notNumber.status, notNumber.code]).to.deep.equal([400, "InvalidArgument"]);
    expect(notNumber.message).to.equal("Provided max-keys not an integer or within integer range");
    const token = await failure(
      s3.send(new ListObjectsV2Command({ Bucket: "many", ContinuationToken: "garbage" })),
    );
    expect([token.name, token.message]).to.deep.equal([
      "InvalidArgument",
      "The continuation token provided is incorrect",
    ]);
    const zero = await s3.send(new ListObjectsV2Command({ Bucket: "many", MaxKeys: 0 }));
    expect(zero.KeyCount).to.equal(0);
  });
});
