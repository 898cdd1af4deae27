// `s3size history`: a bucket's records, read by Query (never Scan), oldest first.
import { bucketRecordsQuery, queryAll } from "../../handlers/common/history-query.ts";
import { awsErrorName, UserError } from "../errors.ts";
import { parseSince } from "../flag-values.ts";
import type { CommandSpec } from "./types.ts";

export const historyCommand: CommandSpec = {
  options: [
    { flags: "--since <when>", description: "only records since then: 10m, 2h, 1d, an ISO date or epoch ms" },
    { flags: "--bucket <name>", description: "which bucket (default: the data bucket)" },
  ],
  async run(session, options) {
    const { output } = session;
    const since = options.since === undefined ? undefined : parseSince(String(options.since));
    const names = await session.names();
    const bucket = (options.bucket as string | undefined) ?? names.dataBucket;
    let records: Awaited<ReturnType<typeof queryAll>>;
    try {
      records = await queryAll(
        session.clients.dynamodb,
        bucketRecordsQuery(names.table, bucket, { from: since }, "oldest-first"),
      );
    } catch (error) {
      if (awsErrorName(error) === "ResourceNotFoundException") {
        throw new UserError(`table ${names.table} does not exist`, "run s3size setup first", {
          cause: error,
        });
      }
      throw error;
    }
    output.result({ bucket, table: names.table, records }, () => {
      if (records.length === 0) {
        output.line(`no records for ${bucket}${since ? ` since ${new Date(since).toISOString()}` : ""}`);
        return;
      }
      output.table(
        ["recorded at (UTC)", "size (bytes)", "objects", "event", "key"],
        records.map((r) => [
          r.recordedAt,
          String(r.totalSize),
          String(r.objectCount),
          r.trigger?.eventName ?? "",
          r.trigger?.objectKey ?? "",
        ]),
        [false, true, true, false, false],
      );
    });
    return 0;
  },
};
