import { createHash } from "node:crypto";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { expect } from "chai";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import { failure } from "./s3-helpers.ts";

const MiB = 1024 * 1024;
const md5 = (data: Buffer) => createHash("md5").update(data).digest();

describe("local S3 multipart uploads", () => {
  let test: TestCloud;
  let s3: S3Client;
  const big = Buffer.alloc(5 * MiB, 0x41);
  const tail = Buffer.from("the last part may be small");
  const start = async (Key: string, extra: Record<string, unknown> = {}) =>
    (await s3.send(new CreateMultipartUploadCommand({ Bucket: "uploads", Key, ...extra }))).UploadId!;
  const part = async (Key: string, UploadId: string, PartNumber: number, Body: Buffer) =>
    (await s3.send(new UploadPartCommand({ Bucket: "uploads", Key, UploadId, PartNumber, Body }))).ETag!;

  before(async () => {
    test = await startTestCloud();
    s3 = test.clients.s3;
    await s3.send(new CreateBucketCommand({ Bucket: "uploads" }));
  });
  after(async () => test.stop());

  it("assembles parts into one object with AWS's md5-of-md5s ETag, and serves each part by number", async () => {
    const uploadId = await start("assembled.bin", {
      ContentType: "application/x-demo",
      Metadata: { origin: "parts" },
    });
    const first = await part("assembled.bin", uploadId, 1, big);
    const second = await part("assembled.bin", uploadId, 2, tail);
    expect(first).to.equal(`"${md5(big).toString("hex")}"`);
    const listed = await s3.send(
      new ListPartsCommand({ Bucket: "uploads", Key: "assembled.bin", UploadId: uploadId }),
    );
    expect(listed.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size])).to.deep.equal([
      [1, first, big.length],
      [2, second, tail.length],
    ]);
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: "uploads",
        Key: "assembled.bin",
        UploadId: uploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: first },
            { PartNumber: 2, ETag: second },
          ],
        },
      }),
    );
    const expected = `"${createHash("md5")
      .update(Buffer.concat([md5(big), md5(tail)]))
      .digest("hex")}-2"`;
    expect(done.ETag).to.equal(expected);
    const got = await s3.send(new GetObjectCommand({ Bucket: "uploads", Key: "assembled.bin" }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    expect(bytes.equals(Buffer.concat([big, tail]))).to.equal(true);
    expect([got.ETag, got.ContentType, got.Metadata]).to.deep.equal([
      expected,
      "application/x-demo",
      { origin: "parts" },
    ]);
    const second2 = await s3.send(
      new GetObjectCommand({ Bucket: "uploads", Key: "assembled.bin", PartNumber: 2 }),
    );
    expect(await second2.Body!.transformToString()).to.equal(tail.toString());
    expect(second2.PartsCount).to.equal(2);
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: "uploads", Key: "assembled.bin", PartNumber: 1 }),
    );
    expect(head.ContentLength).to.equal(big.length);
    const gone = await failure(
      s3.send(new ListPartsCommand({ Bucket: "uploads", Key: "assembled.bin", UploadId: uploadId })),
    );
    expect(gone.name).to.equal("NoSuchUpload");
  });

  it("refuses a part under 5 MiB that is not the last with EntityTooSmall", async () => {
    const uploadId = await start("small.bin");
    const first = await part("small.bin", uploadId, 1, tail);
    const second = await part("small.bin", uploadId, 2, tail);
    const error = await failure(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: "uploads",
          Key: "small.bin",
          UploadId: uploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: first },
              { PartNumber: 2, ETag: second },
            ],
          },
        }),
      ),
    );
    expect([error.name, error.message]).to.deep.equal([
      "EntityTooSmall",
      "Your proposed upload is smaller than the minimum allowed object size.",
    ]);
    await s3.send(
      new AbortMultipartUploadCommand({ Bucket: "uploads", Key: "small.bin", UploadId: uploadId }),
    );
  });

  it("refuses unknown parts, wrong ETags and parts out of order, and forgets an aborted upload", async () => {
    const uploadId = await start("checked.bin");
    const one = await part("checked.bin", uploadId, 1, big);
    const two = await part("checked.bin", uploadId, 2, tail);
    const complete = (Parts: Array<{ PartNumber: number; ETag: string }>) =>
      failure(
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: "uploads",
            Key: "checked.bin",
            UploadId: uploadId,
            MultipartUpload: { Parts },
          }),
        ),
      );
    const unknown = await complete([{ PartNumber: 3, ETag: two }]);
    expect(unknown.name).to.equal("InvalidPart");
    const wrongTag = await complete([{ PartNumber: 1, ETag: two }]);
    expect(wrongTag.name).to.equal("InvalidPart");
    const order = await complete([
      { PartNumber: 2, ETag: two },
      { PartNumber: 1, ETag: one },
    ]);
    expect([order.name, order.message]).to.deep.equal([
      "InvalidPartOrder",
      "The list of parts was not in ascending order. The parts list must be specified in order by part number.",
    ]);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: "uploads" }));
    expect(uploads.Uploads?.map((u) => [u.Key, u.UploadId])).to.deep.include(["checked.bin", uploadId]);
    await s3.send(
      new AbortMultipartUploadCommand({ Bucket: "uploads", Key: "checked.bin", UploadId: uploadId }),
    );
    const aborted = await failure(
      s3.send(
        new UploadPartCommand({
          Bucket: "uploads",
          Key: "checked.bin",
          UploadId: uploadId,
          PartNumber: 3,
          Body: tail,
        }),
      ),
    );
    expect([aborted.name, aborted.$metadata.httpStatusCode]).to.deep.equal(["NoSuchUpload", 404]);
    const badNumber = await failure(
      s3.send(
        new UploadPartCommand({
          Bucket: "uploads",
          Key: "x",
          UploadId: await start("x"),
          PartNumber: 10_001,
          Body: tail,
        }),
      ),
    );
    expect(badNumber.name).to.equal("InvalidArgument");
  });

  it("replaces a part uploaded twice, and copies a part from a range of an existing object", async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: "uploads", Key: "source.bin", Body: Buffer.concat([big, tail]) }),
    );
    const uploadId = await start("copied.bin");
    await part("copied.bin", uploadId, 1, tail);
    const copied = await s3.send(
      new UploadPartCopyCommand({
        Bucket: "uploads",
        Key: "copied.bin",
        UploadId: uploadId,
        PartNumber: 1,
        CopySource: "uploads/source.bin",
        CopySourceRange: `bytes=0-${big.length - 1}`,
      }),
    );
    const last = await part("copied.bin", uploadId, 2, tail);
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: "uploads",
        Key: "copied.bin",
        UploadId: uploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: copied.CopyPartResult!.ETag! },
            { PartNumber: 2, ETag: last },
          ],
        },
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: "uploads", Key: "copied.bin" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat([big, tail]))).to.equal(
      true,
    );
  });
});
