// Test helper: the two AWS calls the plotting function makes, served from memory on 127.0.0.1 —
// DynamoDB Query over a fixed list of records and S3 PutObject — so a packaged plotting zip can
// run end to end in a fresh process.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type HistoryRecord, recordToItem } from "../../handlers/common/history.ts";

export interface FakeAws {
  endpoint: string;
  /** Bodies of the PutObject calls, by "bucket/key". */
  puts: Map<string, Buffer>;
  close(): Promise<void>;
}

interface QueryInput {
  IndexName?: string;
  ScanIndexForward?: boolean;
  Limit?: number;
  ExpressionAttributeValues?: Record<string, { S?: string; N?: string }>;
}

export async function startFakeAws(records: HistoryRecord[]): Promise<FakeAws> {
  const puts = new Map<string, Buffer>();
  const server: Server = createServer(async (request, response) => {
    const body = await readBody(request);
    const target = request.headers["x-amz-target"];
    if (target === "DynamoDB_20120810.Query") {
      const items = queryRecords(records, JSON.parse(body.toString("utf8")) as QueryInput).map(recordToItem);
      response.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
      response.end(JSON.stringify({ Items: items, Count: items.length, ScannedCount: items.length }));
    } else if (request.method === "PUT") {
      puts.set(decodeURIComponent(new URL(request.url!, "http://x").pathname.slice(1)), body);
      response.writeHead(200, { etag: '"fake"' });
      response.end();
    } else {
      response.writeHead(400, { "content-type": "application/json" });
      response.end(
        JSON.stringify({ message: `fake AWS does not serve ${request.method} ${target ?? request.url}` }),
      );
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    puts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

// Index queries want the largest record; table queries honour the `:from`/`:to` bounds the
// handlers' query builder uses, the order and the limit.
function queryRecords(records: HistoryRecord[], input: QueryInput): HistoryRecord[] {
  if (input.IndexName) {
    return [...records].sort((a, b) => b.totalSize - a.totalSize).slice(0, input.Limit ?? records.length);
  }
  const from = Number(input.ExpressionAttributeValues?.[":from"]?.N ?? Number.NEGATIVE_INFINITY);
  const to = Number(input.ExpressionAttributeValues?.[":to"]?.N ?? Number.POSITIVE_INFINITY);
  const matching = records
    .filter((record) => record.timestamp >= from && record.timestamp <= to)
    .sort((a, b) =>
      input.ScanIndexForward === false ? b.timestamp - a.timestamp : a.timestamp - b.timestamp,
    );
  return matching.slice(0, input.Limit ?? matching.length);
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}
