import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { PROJECT_ROOT } from "../../build/functions.ts";
import { type PackagedFunction, packageFunctions, parsePackageArgs } from "../../build/package.ts";
import { CHART_FONT_FILES } from "../../handlers/chart/font.ts";
import { elfMachine, readZip, type ZipFileEntry } from "./zip-contents.ts";

const EM_X86_64 = 62;
const EM_AARCH64 = 183;
const DOS_DATE_1980_01_01 = (0 << 9) | (1 << 5) | 1;

function byName(zips: PackagedFunction[], name: string): PackagedFunction {
  const zip = zips.find((z) => z.name === name);
  if (!zip) throw new Error(`no ${name} zip`);
  return zip;
}

function nativeBinaries(entries: ZipFileEntry[]): ZipFileEntry[] {
  return entries.filter((entry) => entry.name.endsWith(".node"));
}

describe("npm run package for Lambda", () => {
  let first: PackagedFunction[];
  let second: PackagedFunction[];
  const dirs: string[] = [];

  before(async () => {
    for (let i = 0; i < 2; i++) dirs.push(await mkdtemp(join(tmpdir(), "s3size-package-")));
    first = await packageFunctions({ target: "lambda", outDir: dirs[0] });
    second = await packageFunctions({ target: "lambda", outDir: dirs[1] });
  });

  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("writes one zip per function, for arm64 by default, with Lambda's handler name", () => {
    expect(first.map((zip) => zip.name).sort()).to.deep.equal(["driver", "plotting", "size-tracking", "web"]);
    for (const zip of first) {
      expect(zip.zipPath).to.equal(join(dirs[0]!, `${zip.name}.zip`));
      expect(zip.arch).to.equal("arm64");
      expect(zip.handler).to.equal("index.handler");
    }
  });

  it("gives byte-identical zips with the same CodeSha256 when packaging the same source twice", async () => {
    for (const zip of first) {
      const again = byName(second, zip.name);
      const [a, b] = await Promise.all([readFile(zip.zipPath), readFile(again.zipPath)]);
      expect(a.equals(b), `${zip.name}.zip differs between builds`).to.equal(true);
      expect(again.codeSha256).to.equal(zip.codeSha256);
    }
  });

  it("reports the zip's real size and its SHA-256 in Lambda's base64 form", async () => {
    for (const zip of first) {
      const bytes = await readFile(zip.zipPath);
      expect(zip.bytes).to.equal(bytes.length);
      expect(zip.codeSha256).to.equal(createHash("sha256").update(bytes).digest("base64"));
      const entries = await readZip(zip.zipPath);
      expect(zip.unzippedBytes).to.equal(entries.reduce((sum, entry) => sum + entry.data.length, 0));
    }
  });

  it("stores entries sorted, dated 1980-01-01 00:00, mode 0644, without extra fields", async () => {
    for (const zip of first) {
      const entries = await readZip(zip.zipPath);
      const names = entries.map((entry) => entry.name);
      expect(names).to.deep.equal([...names].sort());
      expect(names).to.include("index.mjs");
      for (const entry of entries) {
        expect(entry.dosDate, entry.name).to.equal(DOS_DATE_1980_01_01);
        expect(entry.dosTime, entry.name).to.equal(0);
        expect(entry.mode, entry.name).to.equal(0o100644);
        expect(entry.extraFieldLength, entry.name).to.equal(0);
      }
    }
  });

  it("bundles the AWS SDK into index.mjs and leaves no path of the build machine in it", async () => {
    for (const zip of first) {
      const bundle = (await readZip(zip.zipPath))
        .find((entry) => entry.name === "index.mjs")!
        .data.toString();
      expect(bundle).to.match(/export\s*\{[^}]*\bhandler\b/);
      expect(bundle).not.to.match(/from\s*"@aws-sdk\//);
      expect(bundle).to.include("createRequire");
      expect(bundle).not.to.include(PROJECT_ROOT.replace(/\/$/, ""));
    }
  });

  it("ships only the bundle for the functions that draw nothing", async () => {
    for (const name of ["size-tracking", "driver"]) {
      const names = (await readZip(byName(first, name).zipPath)).map((entry) => entry.name);
      expect(names).to.deep.equal(["index.mjs"]);
    }
  });

  it("puts the canvas library, its linux-arm64-gnu binary (ELF AArch64) and the chart fonts in the plotting zip", async () => {
    const plotting = byName(first, "plotting");
    const entries = await readZip(plotting.zipPath);
    const names = entries.map((entry) => entry.name);
    for (const font of CHART_FONT_FILES) expect(names).to.include(`fonts/${font}`);
    expect(names).to.include.members([
      "node_modules/@napi-rs/canvas/package.json",
      "node_modules/@napi-rs/canvas/index.js",
      "node_modules/@napi-rs/canvas/js-binding.js",
      "node_modules/@napi-rs/canvas-linux-arm64-gnu/package.json",
    ]);
    expect(names.filter((name) => name.endsWith(".d.ts"))).to.deep.equal([]);
    const binaries = nativeBinaries(entries);
    expect(binaries.map((entry) => entry.name)).to.deep.equal([
      "node_modules/@napi-rs/canvas-linux-arm64-gnu/skia.linux-arm64-gnu.node",
    ]);
    expect(elfMachine(binaries[0]!.data)).to.equal(EM_AARCH64);
    expect(plotting.bytes).to.be.below(20 * 1024 * 1024);
  });

  it("puts a linux-x64-gnu binary (ELF x86-64) in the plotting zip for --arch x86_64", async () => {
    const dir = await mkdtemp(join(tmpdir(), "s3size-package-x64-"));
    try {
      const [plotting] = await packageFunctions({
        target: "lambda",
        arch: "x86_64",
        outDir: dir,
        functions: ["plotting"],
      });
      expect(plotting!.arch).to.equal("x86_64");
      const binaries = nativeBinaries(await readZip(plotting!.zipPath));
      expect(binaries.map((entry) => entry.name)).to.deep.equal([
        "node_modules/@napi-rs/canvas-linux-x64-gnu/skia.linux-x64-gnu.node",
      ]);
      expect(elfMachine(binaries[0]!.data)).to.equal(EM_X86_64);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("package command options", () => {
  it("defaults to Lambda and takes --target and --arch", () => {
    expect(parsePackageArgs([])).to.deep.include({ target: "lambda", arch: undefined });
    expect(parsePackageArgs(["--target", "local"])).to.deep.include({ target: "local" });
    expect(parsePackageArgs(["--arch", "x86_64"])).to.deep.include({ target: "lambda", arch: "x86_64" });
  });

  it("rejects an unknown architecture or target by name", () => {
    expect(() => parsePackageArgs(["--arch", "x64"])).to.throw(/--arch must be arm64 or x86_64, not x64/);
    expect(() => parsePackageArgs(["--target", "aws"])).to.throw(/--target must be lambda or local/);
  });

  it("refuses a local target for an architecture other than this machine's", async () => {
    const other = process.arch === "arm64" ? "x86_64" : "arm64";
    let error: unknown;
    try {
      await packageFunctions({
        target: "local",
        arch: other,
        outDir: join(tmpdir(), "s3size-never-written"),
      });
    } catch (caught) {
      error = caught;
    }
    expect(String(error)).to.match(/--target local packages for this machine/);
  });
});
