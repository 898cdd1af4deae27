// Lambda's function records, per region as on AWS (the same name may exist in two regions): configuration,
// code (content-addressed in CodeStore), resource policy and tags, persisted in one JSON file.
import { randomUUID } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { JsonFile } from "../state.ts";
import { LOCAL_ACCOUNT_ID, type RealismSettings } from "../types.ts";
import { CodeStore, type StoredCode } from "./code.ts";
import type { PolicyStatement } from "./permissions.ts";

export interface FunctionRecord extends StoredCode {
  name: string;
  /** The region it was created in: the one its ARN names and the only one that finds it. */
  region: string;
  runtime: string;
  role: string;
  handler: string;
  description: string;
  timeout: number;
  memorySize: number;
  /** MB of /tmp. */
  ephemeralStorage: number;
  architectures: string[];
  environment?: Record<string, string>;
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

/** Names as CreateFunction accepts them; also what makes a name from an old state file safe to use. */
export const FUNCTION_NAME = /^[a-zA-Z0-9-_]{1,64}$/;

export class FunctionStore {
  readonly code: CodeStore;
  private readonly regions = new Map<string, Map<string, FunctionRecord>>();
  private readonly file: JsonFile<FunctionRecord[]>;

  constructor(private readonly root: string) {
    this.code = new CodeStore(root);
    this.file = new JsonFile(join(root, "functions.json"), () => []);
    for (const record of this.file.load()) this.add(this.converted(record));
    this.code.prune(new Set(this.all().map((record) => record.codeHash)));
  }

  get(region: string, name: string): FunctionRecord | undefined {
    return this.regions.get(region)?.get(name);
  }

  /** The region's functions in name order. */
  list(region: string): FunctionRecord[] {
    return [...(this.regions.get(region)?.values() ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  }

  all(): FunctionRecord[] {
    return [...this.regions.values()].flatMap((functions) => [...functions.values()]);
  }

  add(record: FunctionRecord): void {
    const functions = this.regions.get(record.region) ?? new Map<string, FunctionRecord>();
    this.regions.set(record.region, functions);
    functions.set(record.name, record);
  }

  /** Forgets the function and the code no other function uses. */
  remove(record: FunctionRecord): void {
    this.regions.get(record.region)?.delete(record.name);
    this.save();
    this.pruneCode();
  }

  save(): void {
    this.file.save(this.all());
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

  zipPath(record: FunctionRecord): string {
    return this.code.zipPath(record.codeHash);
  }

  /** The function's unpacked code folder (verified by the environment that starts in it). */
  ensureCodeDir(record: FunctionRecord): Promise<string> {
    return this.code.present(record.codeHash);
  }

  pruneCode(): void {
    this.code.prune(new Set(this.all().map((record) => record.codeHash)));
  }

  /**
   * A record written by an older local cloud: functions without a region were us-east-1's, their zips
   * lived under a folder named after the function and are moved into the content-addressed store.
   */
  private converted(record: FunctionRecord): FunctionRecord {
    const converted = { ...record, region: record.region || "us-east-1" };
    converted.ephemeralStorage ??= 512;
    if (FUNCTION_NAME.test(record.name)) {
      const legacyDir = join(this.root, "zips", record.name);
      this.code.adopt(record.codeHash, join(legacyDir, `${record.codeHash}.zip`));
      if (existsSync(legacyDir)) rmSync(legacyDir, { recursive: true, force: true });
    }
    return converted;
  }
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
    EphemeralStorage: { Size: record.ephemeralStorage },
    SnapStart: { ApplyOn: "None", OptimizationStatus: "Off" },
    LoggingConfig: { LogFormat: "Text", LogGroup: `/aws/lambda/${record.name}` },
  };
}
