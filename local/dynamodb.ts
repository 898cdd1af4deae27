// DynamoDB: dynalite in-process on its own loopback port, persisted with LevelDB in the data dir.
// The edge forwards the awsJson 1.0 requests unchanged and returns dynalite's answers unchanged.
import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createTransactions, TRANSACTION_OPERATIONS } from "./dynamodb-transactions.ts";
import { exchange, sendBackendResponse } from "./protocol/http.ts";
import { sendJson } from "./protocol/json.ts";
import type { CloudContext, Service } from "./types.ts";

interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

const require = createRequire(import.meta.url);
const dynalite = require("dynalite") as (options: DynaliteOptions) => Server;

/** Writes outside a transaction wait while one applies, so its conditions still hold when it writes. */
const WRITE_OPERATIONS = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"]);
const TABLE_OPERATIONS = new Set(["CreateTable", "DeleteTable", "UpdateTable"]);

export async function createDynamoDbService(ctx: CloudContext): Promise<Service> {
  const transactions = createTransactions();
  const path = join(ctx.dataDir, "dynamodb");
  mkdirSync(path, { recursive: true });
  // Zero delays: tables are ACTIVE at once, so nothing waits on CREATING/DELETING locally.
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  ctx.debug(`dynalite listening on 127.0.0.1:${port} with data in ${path}`);

  return {
    name: "dynamodb",
    async handle(req, res) {
      const search = req.query.toString();
      const forward = (target: string | undefined, body: Buffer) =>
        exchange(port, {
          method: req.method,
          path: search ? `${req.path}?${search}` : req.path,
          headers: target ? { ...req.headers, "x-amz-target": target } : req.headers,
          body,
        });
      const operation = req.target?.split(".")[1] ?? "";
      // dynalite has no transactions: they run here, on its single-item operations.
      if ((TRANSACTION_OPERATIONS as readonly string[]).includes(operation)) {
        let input: Record<string, unknown>;
        try {
          input = JSON.parse(req.body.toString("utf8") || "{}");
        } catch {
          const type = "com.amazon.coral.service#SerializationException";
          sendJson(res, 400, { __type: type }, "application/x-amz-json-1.0", {
            "x-amzn-errortype": "SerializationException",
          });
          return;
        }
        const answer = await transactions.handle(
          operation as (typeof TRANSACTION_OPERATIONS)[number],
          input,
          async (name, input) => {
            const got = await forward(`DynamoDB_20120810.${name}`, Buffer.from(JSON.stringify(input)));
            return { status: got.status, body: JSON.parse(got.body.toString("utf8") || "{}") };
          },
        );
        const type = answer.body.__type;
        sendJson(
          res,
          answer.status,
          answer.body,
          "application/x-amz-json-1.0",
          typeof type === "string" ? { "x-amzn-errortype": type.split("#")[1] ?? type } : {},
        );
        return;
      }
      if (TABLE_OPERATIONS.has(operation)) transactions.tablesChanged();
      const send = () => forward(undefined, req.body);
      sendBackendResponse(
        res,
        WRITE_OPERATIONS.has(operation) ? await transactions.beside(send) : await send(),
      );
    },
    async close() {
      // dynalite's close also closes LevelDB, which must happen before another start opens the same folder.
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
