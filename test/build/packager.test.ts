import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { PROJECT_ROOT } from "../../build/functions.ts";
import { lambdaCanvasTarget } from "../../build/native-canvas.ts";
import { packageSpecs } from "../../build/packager.ts";
import { writeDeterministicZip } from "../../build/zip.ts";
import { runInFreshNode } from "./fresh-node.ts";
import { extractZip } from "./zip-contents.ts";

const SDK_FIXTURE = {
  name: "sdk-fixture",
  entry: fileURLToPath(new URL("./fixtures/sdk-handler.ts", import.meta.url)),
  nativeCanvas: false,
  fonts: [],
  maxZipBytes: 10 * 1024 * 1024,
};

function optionsFor(outDir: string) {
  return {
    outDir,
    arch: "arm64" as const,
    canvasTarget: lambdaCanvasTarget("arm64"),
    projectRoot: PROJECT_ROOT,
    cacheDir: join(outDir, "cache"),
  };
}

describe("packager core with stand-in handlers", () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), "s3size-packager-"));
    dirs.push(dir);
    return dir;
  };
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("writes the same zip bytes whatever order the entries come in", async () => {
    const dir = await tempDir();
    const entries = ["b.txt", "a/z.txt", "a/b.txt", "c.mjs"].map((name) => ({
      name,
      data: Buffer.from(name),
    }));
    await writeDeterministicZip(entries, join(dir, "one.zip"));
    await writeDeterministicZip([...entries].reverse(), join(dir, "two.zip"));
    const [one, two] = await Promise.all([readFile(join(dir, "one.zip")), readFile(join(dir, "two.zip"))]);
    expect(createHash("sha256").update(one).digest("hex")).to.equal(
      createHash("sha256").update(two).digest("hex"),
    );
  });

  it("bundles an entry point it is given, whose bundled SDK runs in a fresh process", async () => {
    const dir = await tempDir();
    const [zip] = await packageSpecs([SDK_FIXTURE], optionsFor(dir));
    expect(zip!.zipPath).to.equal(join(dir, "sdk-fixture.zip"));
    const unzipped = await tempDir();
    await extractZip(zip!.zipPath, unzipped);
    const result = await runInFreshNode(
      unzipped,
      'const { handler } = await import("./index.mjs"); console.log(JSON.stringify(await handler()));',
    );
    expect(result).to.deep.equal({ command: "ListObjectsV2Command", region: "eu-west-1" });
  });

  it("fails a zip over its size limit and leaves nothing in the output folder", async () => {
    const dir = await tempDir();
    let error: unknown;
    try {
      await packageSpecs([{ ...SDK_FIXTURE, maxZipBytes: 1000 }], optionsFor(dir));
    } catch (caught) {
      error = caught;
    }
    expect(String(error)).to.match(/sdk-fixture\.zip is [\d.]+ KB, over its limit of 1\.0 KB/);
    expect(await readdir(dir)).to.deep.equal([]);
  });
});
