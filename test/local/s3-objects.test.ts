import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  DeleteObjectTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { expect } from "chai";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import { defaultsClient, failure, raw } from "./s3-helpers.ts";

const md5 = (data: Buffer | string) => createHash("md5").update(data).digest("hex");

describe("local S3 objects", () => {
  let test: TestCloud;
  let s3: S3Client;
  const bytesOf = async (Bucket: string, Key: string, extra: Record<string, unknown> = {}) => {
    const got = await s3.send(new GetObjectCommand({ Bucket, Key, ...extra }));
    return Buffer.from(await got.Body!.transformToByteArray());
  };
  before(async () => {
    test = await startTestCloud();
    s3 = test.clients.s3;
    for (const Bucket of ["objects", "aaa", "bbb"]) await s3.send(new CreateBucketCommand({ Bucket }));
  });
  after(async () => test.stop());

  describe("put, get, head, copy, delete", () => {
    it("stores, heads, gets, copies and deletes an object byte for byte, its ETag the MD5 of its bytes", async () => {
      const body = Buffer.from([0, 1, 2, 250, 255, 10, 13]);
      const put = await s3.send(
        new PutObjectCommand({ Bucket: "objects", Key: "dir/a file.bin", Body: body }),
      );
      expect(put.ETag).to.equal(`"${md5(body)}"`);
      const head = await s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "dir/a file.bin" }));
      expect(head.ContentLength).to.equal(body.length);
      expect(head.ETag).to.equal(put.ETag);
      expect(head.LastModified).to.be.instanceOf(Date);
      expect(await bytesOf("objects", "dir/a file.bin")).to.deep.equal(body);
      const copy = await s3.send(
        new CopyObjectCommand({ Bucket: "objects", Key: "copy.bin", CopySource: "objects/dir/a%20file.bin" }),
      );
      expect(copy.CopyObjectResult?.ETag).to.equal(put.ETag);
      expect(await bytesOf("objects", "copy.bin")).to.deep.equal(body);
      await s3.send(new DeleteObjectCommand({ Bucket: "objects", Key: "copy.bin" }));
      const missing = await failure(s3.send(new GetObjectCommand({ Bucket: "objects", Key: "copy.bin" })));
      expect(missing).to.be.instanceOf(NoSuchKey);
      expect(missing.message).to.equal("The specified key does not exist.");
      expect(missing.$metadata.httpStatusCode).to.equal(404);
      expect(
        await failure(s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "copy.bin" }))),
      ).to.be.instanceOf(NotFound);
      expect(await bytesOf("objects", "dir/a file.bin"), "the copy's source outlives the copy").to.deep.equal(
        body,
      );
    });

    it("keeps Content-Type, -Disposition, -Encoding, -Language, Cache-Control, Expires and user metadata", async () => {
      const expires = new Date("2030-01-01T00:00:00Z");
      await s3.send(
        new PutObjectCommand({
          Bucket: "objects",
          Key: "described.json",
          Body: "{}",
          ContentType: "application/json",
          ContentDisposition: 'attachment; filename="d.json"',
          ContentEncoding: "identity",
          ContentLanguage: "en",
          CacheControl: "max-age=60",
          Expires: expires,
          Metadata: { author: "ada", "project-name": "s3size" },
        }),
      );
      const got = await s3.send(new GetObjectCommand({ Bucket: "objects", Key: "described.json" }));
      await got.Body!.transformToString();
      expect(got.ContentType).to.equal("application/json");
      expect(got.ContentDisposition).to.equal('attachment; filename="d.json"');
      expect(got.ContentEncoding).to.equal("identity");
      expect(got.ContentLanguage).to.equal("en");
      expect(got.CacheControl).to.equal("max-age=60");
      expect(got.Expires?.toISOString()).to.equal(expires.toISOString());
      expect(got.Metadata).to.deep.equal({ author: "ada", "project-name": "s3size" });
      expect(got.ServerSideEncryption).to.equal("AES256");
      const overridden = await s3.send(
        new GetObjectCommand({ Bucket: "objects", Key: "described.json", ResponseContentType: "text/plain" }),
      );
      await overridden.Body!.transformToString();
      expect(overridden.ContentType).to.equal("text/plain");
    });

    it("keeps user metadata named like prototype members as plain entries", async () => {
      const put = await raw(test.cloud.endpoint, "PUT", "/objects/proto", {
        headers: { "x-amz-meta-__proto__": "p", "x-amz-meta-constructor": "c", "x-amz-meta-tostring": "t" },
        body: "x",
      });
      expect(put.status).to.equal(200);
      const head = await raw(test.cloud.endpoint, "HEAD", "/objects/proto");
      expect([
        head.headers["x-amz-meta-__proto__"],
        head.headers["x-amz-meta-constructor"],
        head.headers["x-amz-meta-tostring"],
      ]).to.deep.equal(["p", "c", "t"]);
    });

    it("copies metadata with the COPY directive, replaces it with REPLACE, and refuses a copy onto itself that changes nothing", async () => {
      await s3.send(
        new PutObjectCommand({
          Bucket: "objects",
          Key: "meta-src",
          Body: "m",
          ContentType: "text/x-a",
          Metadata: { a: "1" },
        }),
      );
      await s3.send(
        new CopyObjectCommand({ Bucket: "objects", Key: "meta-copy", CopySource: "objects/meta-src" }),
      );
      const copied = await s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "meta-copy" }));
      expect([copied.ContentType, copied.Metadata]).to.deep.equal(["text/x-a", { a: "1" }]);
      await s3.send(
        new CopyObjectCommand({
          Bucket: "objects",
          Key: "meta-copy",
          CopySource: "objects/meta-src",
          MetadataDirective: "REPLACE",
          ContentType: "text/x-b",
          Metadata: { b: "2" },
        }),
      );
      const replaced = await s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "meta-copy" }));
      expect([replaced.ContentType, replaced.Metadata]).to.deep.equal(["text/x-b", { b: "2" }]);
      const itself = await failure(
        s3.send(
          new CopyObjectCommand({ Bucket: "objects", Key: "meta-src", CopySource: "objects/meta-src" }),
        ),
      );
      expect(itself.name).to.equal("InvalidRequest");
      expect(itself.message).to.contain(
        "This copy request is illegal because it is trying to copy an object to itself",
      );
      await s3.send(
        new CopyObjectCommand({
          Bucket: "objects",
          Key: "meta-src",
          CopySource: "objects/meta-src",
          MetadataDirective: "REPLACE",
          Metadata: { c: "3" },
        }),
      );
      expect(
        (await s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "meta-src" }))).Metadata,
      ).to.deep.equal({ c: "3" });
      expect(await bytesOf("objects", "meta-src")).to.deep.equal(Buffer.from("m"));
      const absent = await failure(
        s3.send(new CopyObjectCommand({ Bucket: "objects", Key: "x", CopySource: "objects/not-there" })),
      );
      expect(absent.name).to.equal("NoSuchKey");
      const stale = await failure(
        s3.send(
          new CopyObjectCommand({
            Bucket: "objects",
            Key: "x",
            CopySource: "objects/meta-src",
            CopySourceIfMatch: '"0"',
          }),
        ),
      );
      expect([stale.name, stale.$metadata.httpStatusCode]).to.deep.equal(["PreconditionFailed", 412]);
    });

    it("types an upload sent without Content-Type as binary/octet-stream, as S3 does", async () => {
      const put = await raw(test.cloud.endpoint, "PUT", "/objects/untyped", { body: "x" });
      expect(put.status).to.equal(200);
      expect(
        (await s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "untyped" }))).ContentType,
      ).to.equal("binary/octet-stream");
    });

    it("stores an empty object", async () => {
      await s3.send(new PutObjectCommand({ Bucket: "objects", Key: "empty", Body: "" }));
      const head = await s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "empty" }));
      expect([head.ContentLength, head.ETag]).to.deep.equal([0, `"${md5("")}"`]);
      expect(await bytesOf("objects", "empty")).to.deep.equal(Buffer.alloc(0));
    });

    it("stores a body larger than the index keeps inline as a file, and serves its ranges", async () => {
      const body = Buffer.alloc(300 * 1024);
      for (let i = 0; i < body.length; i++) body[i] = (i * 31) % 256;
      await s3.send(new PutObjectCommand({ Bucket: "objects", Key: "large.bin", Body: body }));
      expect(await bytesOf("objects", "large.bin")).to.deep.equal(body);
      expect(await bytesOf("objects", "large.bin", { Range: "bytes=100000-100009" })).to.deep.equal(
        body.subarray(100000, 100010),
      );
    });

    it("refuses user metadata over 2 KB and ACLs other than the owner's", async () => {
      const big = await failure(
        s3.send(
          new PutObjectCommand({
            Bucket: "objects",
            Key: "meta",
            Body: "x",
            Metadata: { big: "x".repeat(2100) },
          }),
        ),
      );
      expect(big.name).to.equal("MetadataTooLarge");
      const acl = await failure(
        s3.send(new PutObjectCommand({ Bucket: "objects", Key: "acl", Body: "x", ACL: "public-read" })),
      );
      expect(acl.name).to.equal("AccessControlListNotSupported");
    });
  });

  describe("ranges and conditions", () => {
    let etag: string;
    before(async () => {
      etag = (await s3.send(new PutObjectCommand({ Bucket: "objects", Key: "digits", Body: "0123456789" })))
        .ETag!;
    });

    it("serves byte ranges with 206 and Content-Range, and refuses one past the end with 416 InvalidRange", async () => {
      const first = await s3.send(
        new GetObjectCommand({ Bucket: "objects", Key: "digits", Range: "bytes=0-3" }),
      );
      expect(await first.Body!.transformToString()).to.equal("0123");
      expect(first.ContentRange).to.equal("bytes 0-3/10");
      expect(first.$metadata.httpStatusCode).to.equal(206);
      expect(await bytesOf("objects", "digits", { Range: "bytes=-3" })).to.deep.equal(Buffer.from("789"));
      expect(await bytesOf("objects", "digits", { Range: "bytes=7-" })).to.deep.equal(Buffer.from("789"));
      expect(await bytesOf("objects", "digits", { Range: "bytes=8-100" })).to.deep.equal(Buffer.from("89"));
      const beyond = await failure(
        s3.send(new GetObjectCommand({ Bucket: "objects", Key: "digits", Range: "bytes=10-12" })),
      );
      expect([beyond.name, beyond.$metadata.httpStatusCode]).to.deep.equal(["InvalidRange", 416]);
      expect(beyond.message).to.equal("The requested range is not satisfiable");
      const ignored = await s3.send(
        new GetObjectCommand({ Bucket: "objects", Key: "digits", Range: "bytes=0-1,4-5" }),
      );
      expect(await ignored.Body!.transformToString()).to.equal("0123456789");
    });

    it("answers If-Match and If-Unmodified-Since failures with 412, and If-None-Match and If-Modified-Since with 304", async () => {
      const key = { Bucket: "objects", Key: "digits" };
      expect(await bytesOf("objects", "digits", { IfMatch: etag })).to.deep.equal(Buffer.from("0123456789"));
      const mismatch = await failure(s3.send(new GetObjectCommand({ ...key, IfMatch: '"0000"' })));
      expect([mismatch.name, mismatch.$metadata.httpStatusCode]).to.deep.equal(["PreconditionFailed", 412]);
      expect(mismatch.message).to.equal("At least one of the pre-conditions you specified did not hold");
      const old = await failure(
        s3.send(new GetObjectCommand({ ...key, IfUnmodifiedSince: new Date("2000-01-01") })),
      );
      expect(old.$metadata.httpStatusCode).to.equal(412);
      const same = await failure(s3.send(new GetObjectCommand({ ...key, IfNoneMatch: etag })));
      expect(same.$metadata.httpStatusCode).to.equal(304);
      const notModified = await failure(
        s3.send(new HeadObjectCommand({ ...key, IfModifiedSince: new Date() })),
      );
      expect(notModified.$metadata.httpStatusCode).to.equal(304);
      expect(await bytesOf("objects", "digits", { IfModifiedSince: new Date("2000-01-01") })).to.have.length(
        10,
      );
      // A true If-Match makes a failing If-Unmodified-Since irrelevant, as on S3.
      expect(
        await bytesOf("objects", "digits", { IfMatch: etag, IfUnmodifiedSince: new Date("2000-01-01") }),
      ).to.have.length(10);
    });

    it("writes conditionally: If-None-Match * only when the key is new, If-Match only over the expected version", async () => {
      await s3.send(new PutObjectCommand({ Bucket: "objects", Key: "once", Body: "1", IfNoneMatch: "*" }));
      const again = await failure(
        s3.send(new PutObjectCommand({ Bucket: "objects", Key: "once", Body: "2", IfNoneMatch: "*" })),
      );
      expect([again.name, again.$metadata.httpStatusCode]).to.deep.equal(["PreconditionFailed", 412]);
      const wrong = await failure(
        s3.send(new PutObjectCommand({ Bucket: "objects", Key: "once", Body: "3", IfMatch: etag })),
      );
      expect(wrong.$metadata.httpStatusCode).to.equal(412);
      await s3.send(
        new PutObjectCommand({ Bucket: "objects", Key: "once", Body: "4", IfMatch: `"${md5("1")}"` }),
      );
      expect(await bytesOf("objects", "once")).to.deep.equal(Buffer.from("4"));
      const nothing = await failure(
        s3.send(new PutObjectCommand({ Bucket: "objects", Key: "never", Body: "x", IfMatch: etag })),
      );
      expect(nothing.name).to.equal("NoSuchKey");
    });
  });

  describe("keys are data", () => {
    const keys = [
      "../bbb/precious.txt",
      "./here",
      "..",
      ".",
      "a//b",
      "/leading",
      "trailing/",
      "literal%2Fpercent",
      "plus+and space",
      "quote'\"<&>",
      "unicode ☃ 日本",
      "tab\there",
      "nul\u0000byte",
      "k".repeat(1024),
      `${"é".repeat(511)}xx`,
    ];

    it("stores and lists every key exactly as sent, up to 1,024 bytes", async () => {
      await s3.send(new PutObjectCommand({ Bucket: "bbb", Key: "precious.txt", Body: "precious" }));
      for (const Key of keys)
        await s3.send(new PutObjectCommand({ Bucket: "aaa", Key, Body: `body of ${Key}` }));
      for (const Key of keys)
        expect((await bytesOf("aaa", Key)).toString(), JSON.stringify(Key)).to.equal(`body of ${Key}`);
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: "aaa", EncodingType: "url" }));
      const decoded = (listed.Contents ?? []).map((object) => decodeURIComponent(object.Key!));
      expect(decoded).to.deep.equal([...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
      expect(await bytesOf("bbb", "precious.txt")).to.deep.equal(Buffer.from("precious"));
    });

    it("refuses a key over 1,024 bytes with KeyTooLongError", async () => {
      for (const Key of ["k".repeat(1025), "é".repeat(513)]) {
        const error = await failure(s3.send(new PutObjectCommand({ Bucket: "aaa", Key, Body: "x" })));
        expect([error.name, error.$metadata.httpStatusCode]).to.deep.equal(["KeyTooLongError", 400]);
        expect(error.message).to.equal("Your key is too long");
      }
    });

    it("deletes '../bbb/precious.txt' in its own bucket and never bucket bbb's precious.txt, whatever the path spelling", async () => {
      await s3.send(new DeleteObjectCommand({ Bucket: "aaa", Key: "../bbb/precious.txt" }));
      expect(await bytesOf("bbb", "precious.txt")).to.deep.equal(Buffer.from("precious"));
      await s3.send(new PutObjectCommand({ Bucket: "aaa", Key: "../bbb/precious.txt", Body: "decoy" }));
      for (const path of [
        "/aaa/../bbb/precious.txt",
        "/aaa/..%2Fbbb%2Fprecious.txt",
        "/aaa/%2E%2E/bbb/precious.txt",
      ]) {
        const deleted = await raw(test.cloud.endpoint, "DELETE", path);
        expect(deleted.status, path).to.equal(204);
        expect(await bytesOf("bbb", "precious.txt"), path).to.deep.equal(Buffer.from("precious"));
      }
      const gone = await failure(
        s3.send(new GetObjectCommand({ Bucket: "aaa", Key: "../bbb/precious.txt" })),
      );
      expect(gone.name).to.equal("NoSuchKey");
    });

    it("keeps every body under the store's own folders, named by digest, whatever the keys", () => {
      const s3Dir = join(test.cloud.dataDir, "s3");
      expect(readdirSync(s3Dir).sort()).to.deep.equal(["_bodies", "_incoming", "_index"]);
      for (const dir of readdirSync(join(s3Dir, "_bodies"))) {
        expect(dir).to.match(/^[0-9a-f]{2}$/);
        for (const name of readdirSync(join(s3Dir, "_bodies", dir))) expect(name).to.match(/^[0-9a-f]{64}$/);
      }
    });

    it("refuses a path whose percent-encoding is not UTF-8 with InvalidURI", async () => {
      const bad = await raw(test.cloud.endpoint, "PUT", "/aaa/%FF%FE", { body: "x" });
      expect([bad.status, bad.code]).to.deep.equal([400, "InvalidURI"]);
    });
  });

  describe("checksums and SDK defaults", () => {
    let defaults: S3Client;
    before(() => {
      defaults = defaultsClient(test.cloud.endpoint);
    });
    after(() => defaults.destroy());

    it("stores the exact bytes of uploads from a client at SDK defaults: a checksum header, and aws-chunked with a trailer", async () => {
      const body = Buffer.from("Empty Assignment 2222222222");
      await defaults.send(new PutObjectCommand({ Bucket: "objects", Key: "crc.txt", Body: body }));
      expect(await bytesOf("objects", "crc.txt")).to.deep.equal(body);
      await defaults.send(
        new PutObjectCommand({
          Bucket: "objects",
          Key: "chunked.txt",
          Body: Readable.from([body]),
          ContentLength: body.length,
        }),
      );
      const got = await defaults.send(new GetObjectCommand({ Bucket: "objects", Key: "chunked.txt" }));
      expect(Buffer.from(await got.Body!.transformToByteArray())).to.deep.equal(body);
      expect([got.ContentLength, got.ContentEncoding]).to.deep.equal([27, undefined]);
      expect(got.ChecksumCRC32).to.be.a("string");
      await defaults.send(
        new DeleteObjectsCommand({ Bucket: "objects", Delete: { Objects: [{ Key: "chunked.txt" }] } }),
      );
      expect(
        await failure(s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "chunked.txt" }))),
      ).to.be.instanceOf(NotFound);
    });

    it("verifies and returns CRC32C and SHA-256 checksums", async () => {
      for (const ChecksumAlgorithm of ["CRC32C", "SHA256"] as const) {
        const Key = `sum-${ChecksumAlgorithm}`;
        const put = await defaults.send(
          new PutObjectCommand({ Bucket: "objects", Key, Body: "checked", ChecksumAlgorithm }),
        );
        const head = await defaults.send(
          new HeadObjectCommand({ Bucket: "objects", Key, ChecksumMode: "ENABLED" }),
        );
        const field = ChecksumAlgorithm === "CRC32C" ? "ChecksumCRC32C" : "ChecksumSHA256";
        expect(head[field]).to.be.a("string").and.equal(put[field]);
      }
      expect(
        (
          await raw(test.cloud.endpoint, "PUT", "/objects/bad-sha", {
            headers: { "x-amz-checksum-sha256": createHash("sha256").update("other").digest("base64") },
            body: "checked",
          })
        ).code,
      ).to.equal("BadDigest");
    });

    it("refuses a body whose signed payload hash does not match with XAmzContentSHA256Mismatch", async () => {
      const hash = createHash("sha256").update("other").digest("hex");
      const tampered = await raw(test.cloud.endpoint, "PUT", "/objects/tampered", {
        headers: { "x-amz-content-sha256": hash },
        body: "hello",
      });
      expect([tampered.status, tampered.code]).to.deep.equal([400, "XAmzContentSHA256Mismatch"]);
      expect(
        await failure(s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "tampered" }))),
      ).to.be.instanceOf(NotFound);
    });

    it("refuses a body whose Content-MD5 or CRC32 does not match with BadDigest", async () => {
      const wrongMd5 = await raw(test.cloud.endpoint, "PUT", "/objects/md5", {
        headers: { "content-md5": createHash("md5").update("other").digest("base64") },
        body: "hello",
      });
      expect([wrongMd5.status, wrongMd5.code]).to.deep.equal([400, "BadDigest"]);
      expect(wrongMd5.message).to.equal("The Content-MD5 you specified did not match what we received.");
      const wrongCrc = await raw(test.cloud.endpoint, "PUT", "/objects/crc", {
        headers: { "x-amz-checksum-crc32": "AAAAAA==" },
        body: "hello",
      });
      expect(wrongCrc.code).to.equal("BadDigest");
    });
  });

  describe("DeleteObjects and tags", () => {
    it("deletes several keys, reports them unless quiet, and requires an integrity header", async () => {
      for (const Key of ["d1", "d2", "d3"])
        await s3.send(new PutObjectCommand({ Bucket: "objects", Key, Body: Key }));
      const result = await s3.send(
        new DeleteObjectsCommand({
          Bucket: "objects",
          Delete: { Objects: [{ Key: "d1" }, { Key: "d2" }, { Key: "never-there" }] },
        }),
      );
      expect(result.Deleted?.map((entry) => entry.Key)).to.deep.equal(["d1", "d2", "never-there"]);
      const quiet = await s3.send(
        new DeleteObjectsCommand({ Bucket: "objects", Delete: { Objects: [{ Key: "d3" }], Quiet: true } }),
      );
      expect(quiet.Deleted ?? []).to.deep.equal([]);
      const { Contents } = await s3.send(new ListObjectsV2Command({ Bucket: "objects", Prefix: "d" }));
      expect(Contents?.map((entry) => entry.Key) ?? []).to.not.include.members(["d1", "d2", "d3"]);
      const unchecked = await raw(test.cloud.endpoint, "POST", "/objects?delete", {
        body: "<Delete><Object><Key>x</Key></Object></Delete>",
      });
      expect([unchecked.status, unchecked.code]).to.deep.equal([400, "InvalidRequest"]);
      expect(unchecked.message).to.equal("Missing required header for this request: Content-MD5");
    });

    it("puts, gets and deletes object tags, from the x-amz-tagging header too, refusing more than 10", async () => {
      await s3.send(
        new PutObjectCommand({
          Bucket: "objects",
          Key: "tagged",
          Body: "t",
          Tagging: "kind=demo&team=a%20b",
        }),
      );
      const head = await s3.send(new HeadObjectCommand({ Bucket: "objects", Key: "tagged" }));
      expect(head.$metadata.httpStatusCode).to.equal(200);
      const fromHeader = await s3.send(new GetObjectTaggingCommand({ Bucket: "objects", Key: "tagged" }));
      expect(fromHeader.TagSet).to.deep.equal([
        { Key: "kind", Value: "demo" },
        { Key: "team", Value: "a b" },
      ]);
      await s3.send(
        new PutObjectTaggingCommand({
          Bucket: "objects",
          Key: "tagged",
          Tagging: { TagSet: [{ Key: "k", Value: "v" }] },
        }),
      );
      const got = await s3.send(new GetObjectCommand({ Bucket: "objects", Key: "tagged" }));
      await got.Body!.transformToString();
      expect(got.TagCount).to.equal(1);
      const eleven = Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
      const tooMany = await failure(
        s3.send(
          new PutObjectTaggingCommand({ Bucket: "objects", Key: "tagged", Tagging: { TagSet: eleven } }),
        ),
      );
      expect([tooMany.name, tooMany.message]).to.deep.equal([
        "BadRequest",
        "Object tags cannot be greater than 10",
      ]);
      await s3.send(new DeleteObjectTaggingCommand({ Bucket: "objects", Key: "tagged" }));
      expect(
        (await s3.send(new GetObjectTaggingCommand({ Bucket: "objects", Key: "tagged" }))).TagSet,
      ).to.deep.equal([]);
      const missing = await failure(
        s3.send(new GetObjectTaggingCommand({ Bucket: "objects", Key: "not-there" })),
      );
      expect(missing.name).to.equal("NoSuchKey");
    });
  });

  describe("presigned URLs", () => {
    before(async () => {
      await s3.send(
        new PutObjectCommand({
          Bucket: "objects",
          Key: "plot",
          Body: Buffer.from([0x89, 0x50]),
          ContentType: "image/png",
        }),
      );
    });

    it("serves a SigV4 presigned GET to a plain fetch and takes a presigned PUT", async () => {
      const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: "objects", Key: "plot" }), {
        expiresIn: 60,
      });
      const response = await fetch(url);
      expect(response.status).to.equal(200);
      expect(response.headers.get("content-type")).to.equal("image/png");
      expect(Buffer.from(await response.arrayBuffer())).to.deep.equal(Buffer.from([0x89, 0x50]));
      const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: "objects", Key: "uploaded" }), {
        expiresIn: 60,
      });
      expect((await fetch(putUrl, { method: "PUT", body: "via url" })).status).to.equal(200);
      expect(await bytesOf("objects", "uploaded")).to.deep.equal(Buffer.from("via url"));
    });

    it("refuses an expired SigV4 URL with 403 'Request has expired', and X-Amz-Expires over a week", async () => {
      const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: "objects", Key: "plot" }), {
        expiresIn: 60,
        signingDate: new Date(Date.now() - 120_000),
      });
      const response = await fetch(url);
      const text = await response.text();
      expect(response.status).to.equal(403);
      expect(text)
        .to.contain("<Code>AccessDenied</Code>")
        .and.contain("<Message>Request has expired</Message>");
      expect(text).to.contain("<X-Amz-Expires>60</X-Amz-Expires>");
      const week = new URL(url);
      week.searchParams.set("X-Amz-Expires", "604801");
      const tooLong = await fetch(week);
      expect(tooLong.status).to.equal(400);
      expect(await tooLong.text()).to.contain("AuthorizationQueryParametersError");
    });

    it("serves a SigV2 query presign until its Expires, then refuses it", async () => {
      const path = (expires: number) =>
        `/objects/plot?AWSAccessKeyId=test&Expires=${expires}&Signature=c2lnbmF0dXJl`;
      const fresh = await raw(test.cloud.endpoint, "GET", path(Math.floor(Date.now() / 1000) + 60), {
        headers: { authorization: "" },
      });
      expect(fresh.status).to.equal(200);
      expect(fresh.body).to.deep.equal(Buffer.from([0x89, 0x50]));
      const stale = await raw(test.cloud.endpoint, "GET", path(Math.floor(Date.now() / 1000) - 60), {
        headers: { authorization: "" },
      });
      expect([stale.status, stale.code, stale.message]).to.deep.equal([
        403,
        "AccessDenied",
        "Request has expired",
      ]);
    });
  });
});
