// `s3size plot`: asks the REST API for the chart as PNG and saves it.
import { resolve } from "node:path";
import { UserError } from "../errors.ts";
import { parseWholeNumber } from "../flag-values.ts";
import { findStackApis, invokeUrl } from "../provision/api.ts";
import { writeOutputFile } from "../state.ts";
import type { CommandSpec } from "./types.ts";

export const plotCommand: CommandSpec = {
  options: [
    { flags: "--out <file>", description: "where to save it", default: "plot.png" },
    { flags: "--seconds <n>", description: "the window, in seconds before the newest record", default: "10" },
    { flags: "--bucket <name>", description: "which bucket (default: the data bucket)" },
  ],
  async run(session, options) {
    const seconds = parseWholeNumber(
      String(options.seconds ?? "10"),
      "--seconds",
      { min: 1, max: 86_400 },
      "e.g. --seconds 10",
    );
    const names = await session.names();
    const api = (await findStackApis(session.clients.apigateway, names.api, names.stack))[0];
    if (!api?.id) throw new UserError("the plot API does not exist yet", "run s3size setup first");
    const base = invokeUrl({
      apiId: api.id,
      region: session.settings.region,
      stage: names.stage,
      endpoint: session.endpoint,
    });
    const bucket = (options.bucket as string | undefined) ?? names.dataBucket;
    const url = `${base}?${new URLSearchParams({ bucket, seconds: String(seconds), format: "png" })}`;
    const response = await fetch(url, { headers: { accept: "image/png" } });
    const body = Buffer.from(await response.arrayBuffer());
    if (!response.ok || !(response.headers.get("content-type") ?? "").startsWith("image/png")) {
      const detail = body.toString("utf8").slice(0, 200);
      throw new UserError(
        `the plot API answered ${response.status}: ${detail}`,
        response.status === 404 ? "run s3size setup first" : "see s3size logs plotting",
      );
    }
    const out = resolve(session.io.cwd, String(options.out ?? "plot.png"));
    await writeOutputFile(out, body);
    session.output.result({ plotPath: out, bytes: body.length, url }, () =>
      session.output.line(`saved ${body.length} bytes to ${out}`),
    );
    return 0;
  },
};
