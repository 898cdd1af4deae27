// DynamoDB: dynalite in-process on its own loopback port, persisted with LevelDB in the data dir.
// The edge forwards the awsJson 1.0 requests unchanged and returns dynalite's answers unchanged.
import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { exchange, sendBackendResponse } from "./protocol/http.ts";
import type { CloudContext, Service } from "./types.ts";

interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

const require = createRequire(import.meta.url);
const dynalite = require("dynalite") as (options: DynaliteOptions) => Server;

export async function createDynamoDbService(ctx: CloudContext): Promise<Service> {
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
      const response = await exchange(port, {
        method: req.method,
        path: search ? `${req.path}?${search}` : req.path,
        headers: req.headers,
        body: req.body,
      });
      sendBackendResponse(res, response);
    },
    async close() {
      // dynalite's close also closes LevelDB, which must happen before another start opens the same folder.
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
