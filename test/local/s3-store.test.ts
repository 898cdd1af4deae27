import { spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  CreateTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { expect } from "chai";
import { historyTableDefinition } from "../../handlers/common/history.ts";
import { runningS3Store } from "../../local/s3/index.ts";
import { clientsFor, startTestCloud } from "./cloud.ts";

const FIXTURE = new URL("./fixtures/s3rver-state/", import.meta.url).pathname;

describe("local S3 store on disk", () => {
  it("finds objects, versions, bucket configurations and items again after a restart", async () => {
    const first = await startTestCloud();
    const { s3, dynamodb } = first.clients;
    await s3.send(new CreateBucketCommand({ Bucket: "kept" }));
    await s3.send(new PutObjectCommand({ Bucket: "kept", Key: "note.txt", Body: "33" }));
    await s3.send(new PutObjectCommand({ Bucket: "kept", Key: "large.bin", Body: Buffer.alloc(100_000, 7) }));
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: "kept",
        Tagging: { TagSet: [{ Key: "s3size:stack", Value: "demo" }] },
      }),
    );
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: "kept",
        SkipDestinationValidation: true,
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            {
              Id: "tracker",
              LambdaFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:t",
              Events: ["s3:ObjectCreated:*"],
            },
          ],
        },
      }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: "versioned" }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: "versioned", VersioningConfiguration: { Status: "Enabled" } }),
    );
    const v1 = await s3.send(new PutObjectCommand({ Bucket: "versioned", Key: "doc", Body: "one" }));
    await s3.send(new PutObjectCommand({ Bucket: "versioned", Key: "doc", Body: "two" }));
    await dynamodb.send(new CreateTableCommand(historyTableDefinition("kept-table")));
    // A new table is CREATING for a moment (longer on a busy machine): wait until it takes items.
    while (
      (await dynamodb.send(new DescribeTableCommand({ TableName: "kept-table" }))).Table?.TableStatus !==
      "ACTIVE"
    ) {
      await sleep(20);
    }
    await dynamodb.send(
      new PutItemCommand({
        TableName: "kept-table",
        Item: {
          bucket_name: { S: "kept" },
          timestamp: { N: "1" },
          total_size: { N: "2" },
          all: { S: "ALL" },
        },
      }),
    );
    await first.stop(false);

    const second = await startTestCloud({ stateDir: first.stateDir });
    try {
      const again = second.clients;
      const object = await again.s3.send(new GetObjectCommand({ Bucket: "kept", Key: "note.txt" }));
      expect(await object.Body!.transformToString()).to.equal("33");
      const large = await again.s3.send(new GetObjectCommand({ Bucket: "kept", Key: "large.bin" }));
      expect(Buffer.from(await large.Body!.transformToByteArray()).equals(Buffer.alloc(100_000, 7))).to.equal(
        true,
      );
      expect((await again.s3.send(new GetBucketTaggingCommand({ Bucket: "kept" }))).TagSet).to.deep.equal([
        { Key: "s3size:stack", Value: "demo" },
      ]);
      const notification = await again.s3.send(
        new GetBucketNotificationConfigurationCommand({ Bucket: "kept" }),
      );
      expect(notification.LambdaFunctionConfigurations?.map((entry) => entry.Id)).to.deep.equal(["tracker"]);
      const old = await again.s3.send(
        new GetObjectCommand({ Bucket: "versioned", Key: "doc", VersionId: v1.VersionId! }),
      );
      expect(await old.Body!.transformToString()).to.equal("one");
      // Versions written after the restart still sort newest first.
      const v3 = await again.s3.send(
        new PutObjectCommand({ Bucket: "versioned", Key: "doc", Body: "three" }),
      );
      const listed = await again.s3.send(new ListObjectVersionsCommand({ Bucket: "versioned" }));
      expect(listed.Versions?.[0]?.VersionId).to.equal(v3.VersionId);
      const { Item } = await again.dynamodb.send(
        new GetItemCommand({
          TableName: "kept-table",
          Key: { bucket_name: { S: "kept" }, timestamp: { N: "1" } },
        }),
      );
      expect(Item?.total_size?.N).to.equal("2");
    } finally {
      await second.stop();
    }
  });

  it("converts a state dir written by the s3rver-based store on first start, keeping every object and setting", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "s3size-convert-"));
    const dataDir = join(stateDir, "local");
    cpSync(FIXTURE, dataDir, { recursive: true });
    rmSync(join(dataDir, "README.md"));
    // Git keeps no empty folders: the empty buckets' folders are made here.
    for (const empty of ["old-empty", "old-plain"])
      mkdirSync(join(dataDir, "s3", empty), { recursive: true });
    // s3rver wrote metadata files in place: one cut short by a crash costs its object only its headers.
    writeFileSync(join(dataDir, "s3", "old-west.bucket", "w.txt._S3rver_metadata.json"), '{"content-');
    const test = await startTestCloud({ stateDir });
    try {
      const { s3 } = test.clients;
      const buckets = (await s3.send(new ListBucketsCommand({}))).Buckets?.map((bucket) => [
        bucket.Name,
        bucket.BucketRegion,
      ]);
      expect(buckets).to.deep.equal([
        ["old-data", "us-east-1"],
        ["old-empty", "us-east-1"],
        ["old-plain", "us-east-1"],
        ["old-west.bucket", "eu-west-1"],
      ]);
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: "old-data" }));
      expect(listed.Contents?.map((object) => [object.Key, object.Size])).to.deep.equal([
        ["grüße/日本.txt", 7],
        ["notes/deeper/a b+c (1).bin", 5],
        ["notes/hello.txt", 13],
        ["top", 0],
        ["top-level.json", 7],
      ]);
      const hello = await s3.send(new GetObjectCommand({ Bucket: "old-data", Key: "notes/hello.txt" }));
      expect(await hello.Body!.transformToString()).to.equal("hello, world\n");
      expect([
        hello.ContentType,
        hello.CacheControl,
        hello.ContentDisposition,
        hello.Metadata,
        hello.ETag,
      ]).to.deep.equal([
        "text/plain",
        "max-age=60",
        'attachment; filename="hello.txt"',
        { author: "ada" },
        `"${readFileSync(join(FIXTURE, "s3/old-data/notes/hello.txt._S3rver_object.md5"), "utf8")}"`,
      ]);
      const binary = await s3.send(
        new GetObjectCommand({ Bucket: "old-data", Key: "notes/deeper/a b+c (1).bin" }),
      );
      expect(Buffer.from(await binary.Body!.transformToByteArray())).to.deep.equal(
        Buffer.from([0, 1, 2, 3, 255]),
      );
      const json = await s3.send(new GetObjectCommand({ Bucket: "old-data", Key: "top-level.json" }));
      await json.Body!.transformToString();
      expect([json.ContentType, json.ContentEncoding, json.ContentLanguage]).to.deep.equal([
        "application/json",
        "identity",
        "en",
      ]);
      expect(
        (await s3.send(new GetObjectTaggingCommand({ Bucket: "old-data", Key: "top-level.json" }))).TagSet,
      ).to.deep.equal([{ Key: "kind", Value: "json" }]);
      expect((await s3.send(new GetBucketTaggingCommand({ Bucket: "old-data" }))).TagSet).to.deep.equal([
        { Key: "s3size:stack", Value: "demo" },
      ]);
      expect(
        (await s3.send(new GetPublicAccessBlockCommand({ Bucket: "old-data" })))
          .PublicAccessBlockConfiguration?.BlockPublicAcls,
      ).to.equal(true);
      expect(
        (await s3.send(new GetBucketEncryptionCommand({ Bucket: "old-data" })))
          .ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
      ).to.equal("AES256");
      const notification = await s3.send(
        new GetBucketNotificationConfigurationCommand({ Bucket: "old-data" }),
      );
      expect(
        notification.LambdaFunctionConfigurations?.map((entry) => [entry.Id, entry.LambdaFunctionArn]),
      ).to.deep.equal([["tracker", "arn:aws:lambda:us-east-1:000000000000:function:s3size-size-tracking"]]);
      expect(
        (await s3.send(new GetBucketCorsCommand({ Bucket: "old-data" }))).CORSRules?.[0]?.AllowedOrigins,
      ).to.deep.equal(["http://localhost:3000"]);
      const west = clientsFor(test.cloud.endpoint, "eu-west-1").s3;
      try {
        expect(
          (await west.send(new GetBucketLocationCommand({ Bucket: "old-west.bucket" }))).LocationConstraint,
        ).to.equal("eu-west-1");
        const w = await west.send(new GetObjectCommand({ Bucket: "old-west.bucket", Key: "w.txt" }));
        expect(await w.Body!.transformToString()).to.equal("west");
        expect(w.ContentType).to.equal("binary/octet-stream");
      } finally {
        west.destroy();
      }
      expect(readdirSync(join(dataDir, "s3")).sort()).to.deep.equal(["_bodies", "_incoming", "_index"]);
      expect(existsSync(join(dataDir, "s3-buckets.json"))).to.equal(false);
      await test.stop(false);
      const again = await startTestCloud({ stateDir });
      try {
        const relisted = await again.clients.s3.send(new ListObjectsV2Command({ Bucket: "old-data" }));
        expect(relisted.KeyCount).to.equal(5);
      } finally {
        await again.stop();
      }
    } finally {
      await test.stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  // How the refusal reads (one line naming the file) is JsonFile's, tested with every state file in corrupt-state.
  it("stops the start on a damaged s3-buckets.json, and starts in the same process once it is moved aside", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "s3size-damaged-"));
    const settings = join(stateDir, "local", "s3-buckets.json");
    mkdirSync(join(stateDir, "local"), { recursive: true });
    writeFileSync(settings, '{"half": ');
    try {
      const error = await startTestCloud({ stateDir }).then(
        async (test) => {
          await test.stop(false);
          return undefined;
        },
        (caught: Error) => caught,
      );
      expect(error, "the start should have failed").to.be.instanceOf(Error);
      renameSync(settings, `${settings}.corrupt`);
      const test = await startTestCloud({ stateDir });
      await test.stop(false);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("clears temporaries and collects bodies nothing points at when it starts", async () => {
    const first = await startTestCloud();
    await first.clients.s3.send(new CreateBucketCommand({ Bucket: "kept" }));
    await first.clients.s3.send(
      new PutObjectCommand({ Bucket: "kept", Key: "large.bin", Body: Buffer.alloc(64 * 1024, 1) }),
    );
    await first.stop(false);
    const s3Dir = join(first.stateDir, "local", "s3");
    // What a crash between writing a body and indexing it leaves behind.
    writeFileSync(join(s3Dir, "_incoming", "abandoned"), "partial");
    const orphan = "f".repeat(64);
    mkdirSync(join(s3Dir, "_bodies", "ff"), { recursive: true });
    writeFileSync(join(s3Dir, "_bodies", "ff", orphan), "never indexed");
    const second = await startTestCloud({ stateDir: first.stateDir });
    try {
      expect(readdirSync(join(s3Dir, "_incoming"))).to.deep.equal([]);
      for (let i = 0; i < 100 && existsSync(join(s3Dir, "_bodies", "ff", orphan)); i++) await sleep(20);
      expect(existsSync(join(s3Dir, "_bodies", "ff", orphan))).to.equal(false);
      const large = await second.clients.s3.send(new GetObjectCommand({ Bucket: "kept", Key: "large.bin" }));
      expect((await large.Body!.transformToByteArray()).length).to.equal(64 * 1024);
    } finally {
      await second.stop();
    }
  });

  it("keeps a bucket's counts exact through a storm of concurrent puts, overwrites and deletes", async () => {
    const test = await startTestCloud();
    try {
      const { s3 } = test.clients;
      await s3.send(new CreateBucketCommand({ Bucket: "counted" }));
      await s3.send(
        new PutBucketVersioningCommand({ Bucket: "counted", VersioningConfiguration: { Status: "Enabled" } }),
      );
      const writes = Array.from({ length: 300 }, (_, i) => {
        const Key = `k${i % 37}`;
        return i % 5 === 4
          ? s3.send(new DeleteObjectCommand({ Bucket: "counted", Key }))
          : s3.send(
              new PutObjectCommand({
                Bucket: "counted",
                Key,
                Body: Buffer.alloc(((i * 997) % 40_000) + 1),
              }),
            );
      });
      await Promise.all(writes);
      const current = await s3.send(new ListObjectsV2Command({ Bucket: "counted" }));
      const all = await s3.send(new ListObjectVersionsCommand({ Bucket: "counted", MaxKeys: 1000 }));
      const stats = runningS3Store(test.cloud.dataDir)!.stats("counted");
      expect(stats.objects).to.equal(current.KeyCount);
      expect(stats.bytes).to.equal((current.Contents ?? []).reduce((sum, object) => sum + object.Size!, 0));
      expect(stats.versions).to.equal((all.Versions?.length ?? 0) + (all.DeleteMarkers?.length ?? 0));
      expect(stats.versionBytes).to.equal(
        (all.Versions ?? []).reduce((sum, version) => sum + version.Size!, 0),
      );
      expect(stats.versions).to.equal(300);
    } finally {
      await test.stop();
    }
  });

  it("stores a large body once for every key that holds it, and leaves no temporary behind, even for a refused write", async () => {
    const test = await startTestCloud();
    try {
      const { s3 } = test.clients;
      await s3.send(new CreateBucketCommand({ Bucket: "shared" }));
      const body = Buffer.alloc(200_000, 9);
      for (const Key of ["one", "two", "three"])
        await s3.send(new PutObjectCommand({ Bucket: "shared", Key, Body: body }));
      const refused = await s3
        .send(
          new PutObjectCommand({
            Bucket: "shared",
            Key: "one",
            Body: Buffer.alloc(200_000, 8),
            IfNoneMatch: "*",
          }),
        )
        .then(
          () => "stored",
          (error: Error) => error.name,
        );
      expect(refused).to.equal("PreconditionFailed");
      const s3Dir = join(test.cloud.dataDir, "s3");
      const files = readdirSync(join(s3Dir, "_bodies")).flatMap((dir) =>
        readdirSync(join(s3Dir, "_bodies", dir)),
      );
      expect(files).to.have.length(1);
      expect(readdirSync(join(s3Dir, "_incoming"))).to.deep.equal([]);
      for (const Key of ["one", "two", "three"]) {
        const got = await s3.send(new GetObjectCommand({ Bucket: "shared", Key }));
        expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).to.equal(true);
      }
    } finally {
      await test.stop();
    }
  });

  it("keeps every acknowledged write, and no listed key without its body, when killed -9 during a burst of PUTs", async function () {
    this.timeout(120_000);
    const stateDir = mkdtempSync(join(tmpdir(), "s3size-kill-"));
    const child = spawn(
      process.execPath,
      ["--import", "tsx", new URL("./fixtures/s3-cloud-process.ts", import.meta.url).pathname, stateDir],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    for (let i = 0; i < 1200 && !output.includes("\n"); i++) await sleep(50);
    const { endpoint } = JSON.parse(output.trim()) as { endpoint: string };
    const bodyOf = (i: number) => Buffer.alloc(i % 3 === 0 ? 40_000 : 100, `${i}:`);
    const acknowledged = new Set<number>();
    const s3 = clientsFor(endpoint).s3;
    await s3.send(new CreateBucketCommand({ Bucket: "burst" }));
    const puts = Array.from({ length: 400 }, (_, i) =>
      s3.send(new PutObjectCommand({ Bucket: "burst", Key: `k${i}`, Body: bodyOf(i) })).then(
        () => acknowledged.add(i),
        () => {},
      ),
    );
    while (acknowledged.size < 100) await sleep(5);
    child.kill("SIGKILL");
    await Promise.all(puts);
    s3.destroy();
    const after = await startTestCloud({ stateDir });
    try {
      const listed: string[] = [];
      let token: string | undefined;
      do {
        const page = await after.clients.s3.send(
          new ListObjectsV2Command({ Bucket: "burst", ...(token ? { ContinuationToken: token } : {}) }),
        );
        listed.push(...(page.Contents ?? []).map((object) => object.Key!));
        token = page.NextContinuationToken;
      } while (token);
      for (const i of acknowledged) expect(listed, `acknowledged k${i}`).to.include(`k${i}`);
      for (const key of listed) {
        const got = await after.clients.s3.send(new GetObjectCommand({ Bucket: "burst", Key: key }));
        expect(
          Buffer.from(await got.Body!.transformToByteArray()).equals(bodyOf(Number(key.slice(1)))),
          key,
        ).to.equal(true);
      }
    } finally {
      await after.stop();
    }
  });
});
