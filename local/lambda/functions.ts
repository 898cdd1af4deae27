// Lambda's function records: configuration, code (the zip kept as uploaded and unpacked once per
// hash, as AWS unpacks it into /var/task), resource policy and tags, persisted in one JSON file.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import yauzl from "yauzl";
import { JsonFile } from "../state.ts";
import { LOCAL_ACCOUNT_ID, type RealismSettings } from "../types.ts";
import type { PolicyStatement } from "./permissions.ts";

export interface FunctionRecord {
  name: string;
  /** The region it was created in (the one its ARN names). */
  region: string;
  runtime: string;
  role: string;
  handler: string;
  description: string;
  timeout: number;
  memorySize: number;
  architectures: string[];
  environment?: Record<string, string>;
  codeSha256: string;
  codeSize: number;
  /** Hex of the same hash: names the zip file and the unpacked folder. */
  codeHash: string;
  lastModified: string;
  revisionId: string;
  /** Bumped by every code or configuration change: environments of an older generation retire. */
  generation: number;
  /** Epoch ms of creation and of the last code/config update: State and LastUpdateStatus follow from
   * them and the realism switches, read live so a test can turn a delay off again. */
  createdAt: number;
  updatedAt: number;
  policy: PolicyStatement[];
  tags: Record<string, string>;
}

export class FunctionStore {
  readonly functions = new Map<string, FunctionRecord>();
  private readonly file: JsonFile<FunctionRecord[]>;

  constructor(private readonly root: string) {
    this.file = new JsonFile(join(root, "functions.json"), () => []);
    for (const record of this.file.load()) this.functions.set(record.name, record);
  }

  save(): void {
    this.file.save([...this.functions.values()]);
  }

  /** Marks a change: new RevisionId, and for code/config changes a new generation and LastModified. */
  touch(record: FunctionRecord, kind: "policy" | "tags" | "code" | "config"): void {
    record.revisionId = randomUUID();
    if (kind === "code" || kind === "config") {
      record.generation += 1;
      record.lastModified = awsTimestamp(new Date());
    }
    this.save();
  }

  zipPath(record: Pick<FunctionRecord, "name" | "codeHash">): string {
    return join(this.root, "zips", record.name, `${record.codeHash}.zip`);
  }

  /**
   * Unpacked code lives outside the state dir, in the system's temp folder: a state dir inside a
   * project would let a function's bare imports climb into the project's node_modules, hiding a zip
   * that is missing a dependency (on AWS, /var/task has nothing above it). The kept zip is the
   * source of truth; a folder the OS cleaned away is unpacked again.
   */
  codeDir(record: Pick<FunctionRecord, "name" | "codeHash">): string {
    return join(this.codeRoot(record.name), record.codeHash);
  }

  private codeRoot(name: string): string {
    const scope = createHash("sha256").update(resolve(this.root)).digest("hex").slice(0, 12);
    return join(tmpdir(), "s3size-lambda-code", scope, name);
  }

  /** Validates and stores a zip; returns the code fields of the record. Throws BadZipError. */
  async storeCode(
    name: string,
    zip: Buffer,
  ): Promise<Pick<FunctionRecord, "codeSha256" | "codeSize" | "codeHash">> {
    const digest = createHash("sha256").update(zip).digest();
    const code = {
      codeSha256: digest.toString("base64"),
      codeSize: zip.length,
      codeHash: digest.toString("hex"),
    };
    const location = { name, codeHash: code.codeHash };
    const codeDir = this.codeDir(location);
    if (!existsSync(codeDir)) await unpackZip(zip, codeDir);
    const zipPath = this.zipPath(location);
    mkdirSync(dirname(zipPath), { recursive: true });
    writeFileSync(zipPath, zip);
    return code;
  }

  /** The unpacked code folder, unpacked again from the kept zip if it went missing. */
  async ensureCodeDir(record: FunctionRecord): Promise<string> {
    const codeDir = this.codeDir(record);
    if (!existsSync(codeDir)) {
      await unpackZip(readFileSync(this.zipPath(record)), codeDir);
    }
    return codeDir;
  }

  /** Drops code of hashes no longer in use by the function (after an update) or all of it (delete). */
  removeCode(name: string, keepHash?: string): void {
    for (const dir of [join(this.root, "zips", name), this.codeRoot(name)]) {
      if (!keepHash) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (!existsSync(dir)) continue;
      for (const entry of readdirSync(dir)) {
        if (!entry.startsWith(keepHash)) rmSync(join(dir, entry), { recursive: true, force: true });
      }
    }
  }
}

export class BadZipError extends Error {}

/** Unpacks into a temporary sibling, then renames, so a half-unpacked folder is never used. */
export async function unpackZip(zip: Buffer, target: string): Promise<void> {
  const temporary = `${target}.${randomUUID()}.tmp`;
  mkdirSync(temporary, { recursive: true });
  try {
    await extractInto(zip, temporary);
    mkdirSync(dirname(target), { recursive: true });
    if (existsSync(target)) rmSync(temporary, { recursive: true, force: true });
    else renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    throw error;
  }
}

function extractInto(zip: Buffer, dir: string): Promise<void> {
  const root = resolve(dir);
  return new Promise((done, fail) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (openError, archive) => {
      if (openError || !archive) return fail(new BadZipError(openError?.message ?? "not a zip"));
      const stop = (error: Error) => {
        archive.close();
        fail(error instanceof BadZipError ? error : new BadZipError(error.message));
      };
      archive.on("error", stop);
      archive.on("end", () => done());
      archive.on("entry", (entry: yauzl.Entry) => {
        const path = resolve(root, entry.fileName);
        // yauzl already refuses "../" names; this also catches anything that resolves outside.
        if (path !== root && !path.startsWith(root + sep))
          return stop(new BadZipError(`unsafe path ${entry.fileName}`));
        if (entry.fileName.endsWith("/")) {
          mkdirSync(path, { recursive: true });
          return archive.readEntry();
        }
        archive.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return stop(streamError ?? new BadZipError("unreadable entry"));
          const chunks: Buffer[] = [];
          stream.on("data", (chunk: Buffer) => chunks.push(chunk));
          stream.on("error", stop);
          stream.on("end", () => {
            mkdirSync(dirname(path), { recursive: true });
            const mode = (entry.externalFileAttributes >>> 16) & 0o777;
            writeFileSync(path, Buffer.concat(chunks), { mode: mode || 0o644 });
            archive.readEntry();
          });
        });
      });
      archive.readEntry();
    });
  });
}

/** AWS's LastModified format: 2024-01-01T00:00:00.000+0000. */
export function awsTimestamp(date: Date): string {
  return date.toISOString().replace("Z", "+0000");
}

export function functionArn(record: Pick<FunctionRecord, "name" | "region">): string {
  return `arn:aws:lambda:${record.region}:${LOCAL_ACCOUNT_ID}:function:${record.name}`;
}

export const functionState = (record: FunctionRecord, realism: RealismSettings, now = Date.now()) =>
  now - record.createdAt < realism.functionPendingMs ? "Pending" : "Active";

export const lastUpdateStatus = (record: FunctionRecord, realism: RealismSettings, now = Date.now()) =>
  record.updatedAt > 0 && now - record.updatedAt < realism.functionUpdateMs ? "InProgress" : "Successful";

/** FunctionConfiguration as AWS returns it from Create/Get/Update/List. */
export function functionConfiguration(record: FunctionRecord, realism: RealismSettings) {
  const state = functionState(record, realism);
  const update = lastUpdateStatus(record, realism);
  return {
    FunctionName: record.name,
    FunctionArn: functionArn(record),
    Runtime: record.runtime,
    Role: record.role,
    Handler: record.handler,
    CodeSize: record.codeSize,
    Description: record.description,
    Timeout: record.timeout,
    MemorySize: record.memorySize,
    LastModified: record.lastModified,
    CodeSha256: record.codeSha256,
    Version: "$LATEST",
    ...(record.environment ? { Environment: { Variables: record.environment } } : {}),
    TracingConfig: { Mode: "PassThrough" },
    RevisionId: record.revisionId,
    State: state,
    ...(state === "Pending"
      ? { StateReason: "The function is being created.", StateReasonCode: "Creating" }
      : {}),
    LastUpdateStatus: update,
    ...(update === "InProgress"
      ? { LastUpdateStatusReason: "The function is being updated.", LastUpdateStatusReasonCode: "Updating" }
      : {}),
    PackageType: "Zip",
    Architectures: record.architectures,
    EphemeralStorage: { Size: 512 },
    SnapStart: { ApplyOn: "None", OptimizationStatus: "Off" },
    LoggingConfig: { LogFormat: "Text", LogGroup: `/aws/lambda/${record.name}` },
  };
}
