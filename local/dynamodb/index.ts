// The local cloud's DynamoDB: the awsJson 1.0 wire (X-Amz-Target DynamoDB_20120810.<Op>), tables per
// region on dynalite's engine, and every operation authorized against its declared IAM requirement.
import { join } from "node:path";
import { authorize, jsonDenialCode } from "../authorization.ts";
import { parseJsonBody, sendJson } from "../protocol/json.ts";
import { invalidRegionMessage, isRegion } from "../regions.ts";
import type { CloudContext, EdgeRequest, Service } from "../types.ts";
import { convertSingleRegionLayout, RegionTables, type TableDescription } from "./engine.ts";
import { DynamoError, invalidSignature, serializationError, unknownOperation } from "./errors.ts";
import { IndexBuilder } from "./indexes.ts";
import { type Input, OPERATIONS, type OperationScope, type TableArns } from "./operations.ts";
import { withoutTimeToLive } from "./time-to-live.ts";
import { createTransactions, type Transactions } from "./transactions.ts";

const CONTENT_TYPE = "application/x-amz-json-1.0";
const TARGET = /^DynamoDB_20120810\.(\w+)$/;

interface Region {
  tables: RegionTables;
  indexes: IndexBuilder;
  transactions: Transactions;
}

/** Writes outside a transaction wait while one applies, so its conditions still hold when it writes. */
const SINGLE_WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"]);

/** CRC32 of the body, sent as x-amz-crc32: some SDKs (botocore) check it on every DynamoDB answer. */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text)) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function send(res: Parameters<Service["handle"]>[1], status: number, body: unknown): void {
  const text = JSON.stringify(body);
  sendJson(res, status, body, CONTENT_TYPE, { "x-amz-crc32": String(crc32(text)) });
}

/** Table and index ARNs always name the region the table lives in, whatever dynalite stored. */
function withArns(output: Record<string, unknown>, arn: TableArns): Record<string, unknown> {
  for (const field of ["Table", "TableDescription"]) {
    const table = output[field] as TableDescription | undefined;
    if (!table?.TableName) continue;
    withoutTimeToLive(table);
    table.TableArn = arn.table(table.TableName);
    for (const index of [...(table.GlobalSecondaryIndexes ?? []), ...(table.LocalSecondaryIndexes ?? [])]) {
      index.IndexArn = arn.index(table.TableName, index.IndexName);
    }
  }
  return output;
}

/** The tables of the clouds running in this process, by data dir: the bench seeds large tables through them. */
const runningTables = new Map<string, (region: string) => RegionTables>();

export function runningDynamoTables(dataDir: string, region: string): RegionTables | undefined {
  return runningTables.get(dataDir)?.(region);
}

export async function createDynamoDbService(ctx: CloudContext): Promise<Service> {
  const root = join(ctx.dataDir, "dynamodb");
  convertSingleRegionLayout(root);
  const regions = new Map<string, Region>();

  const regionOf = (name: string): Region => {
    let region = regions.get(name);
    if (!region) {
      const tables = new RegionTables(name, ctx.accountId, join(root, name));
      const indexes = new IndexBuilder(tables, () => ctx.realism.indexBackfillMs);
      region = { tables, indexes, transactions: createTransactions() };
      regions.set(name, region);
      ctx.debug(`dynamodb: tables of ${name} in ${join(root, name)}`);
      void resumeIndexWork(region);
    }
    return region;
  };

  runningTables.set(ctx.dataDir, (name) => regionOf(name).tables);

  async function resumeIndexWork({ tables, indexes }: Region): Promise<void> {
    const { TableNames } = (await tables.run("ListTables", {}).catch(() => ({ TableNames: [] }))) as {
      TableNames: string[];
    };
    for (const name of TableNames) {
      const table = await tables.table(name).catch(() => undefined);
      if (table) indexes.resume(table);
    }
  }

  async function dispatch(req: EdgeRequest): Promise<Record<string, unknown>> {
    const operation = req.target?.match(TARGET)?.[1];
    const spec = operation && Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation] : undefined;
    if (!operation || !spec)
      throw unknownOperation(`The local cloud does not emulate DynamoDB ${req.target ?? ""}`);
    if (!isRegion(req.region)) throw invalidSignature(invalidRegionMessage(req.region));
    let raw: Input;
    try {
      raw = parseJsonBody<Input>(req.body);
    } catch {
      throw serializationError("Start of structure or map found where not expected.");
    }
    if (!raw || typeof raw !== "object" || Array.isArray(raw))
      throw serializationError("Unexpected request body");
    const { tables, indexes, transactions } = regionOf(req.region);
    const input = spec.validate ? spec.validate(raw, tables) : tables.validate(operation, raw);
    let described: Promise<TableDescription | undefined> | undefined;
    const scope: OperationScope = {
      tables,
      indexes,
      transactions,
      table: () => {
        described ??=
          typeof input.TableName === "string" ? tables.table(input.TableName) : Promise.resolve(undefined);
        return described;
      },
    };
    const arn: TableArns = {
      table: (name) => `arn:aws:dynamodb:${req.region}:${ctx.accountId}:table/${String(name ?? "")}`,
      index: (table, index) =>
        `arn:aws:dynamodb:${req.region}:${ctx.accountId}:table/${String(table ?? "")}/index/${String(index)}`,
    };
    // A transaction needs each of its items' actions: every requirement must be allowed.
    for (const requirement of [await spec.iam(input, arn, scope)].flat()) {
      const decision = authorize(ctx, req, requirement);
      if (!decision.allowed) {
        throw new DynamoError(`com.amazon.coral.service#${jsonDenialCode(decision)}`, decision.message);
      }
    }
    const execute = () => (spec.run ? spec.run(input, scope) : tables.run(operation, input));
    const output = SINGLE_WRITES.has(operation) ? await transactions.beside(execute) : await execute();
    // dynalite answers the tagging operations with an empty string; DynamoDB with an empty object.
    return output && typeof output === "object" ? withArns(output, arn) : {};
  }

  return {
    name: "dynamodb",
    async handle(req, res) {
      try {
        send(res, 200, await dispatch(req));
      } catch (error) {
        if (!(error instanceof DynamoError)) throw error;
        send(res, error.status, { __type: error.type, message: error.message, ...error.extra });
      }
    },
    async close() {
      runningTables.delete(ctx.dataDir);
      for (const { tables, indexes } of regions.values()) {
        await indexes.close();
        await tables.close();
      }
      regions.clear();
    },
  };
}
