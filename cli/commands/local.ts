// `s3size local`: the local cloud in the foreground, until SIGINT or SIGTERM.
import { localConsoleUrl, stackDashboardUrl } from "../browser-links.ts";
import { UserError } from "../errors.ts";
import { parseWholeNumber } from "../flag-values.ts";
import type { CommandSpec } from "./types.ts";

export const localCommand: CommandSpec = {
  standalone: true,
  options: [
    { flags: "--port <port>", description: "port to listen on (0: any free port)", default: "4566" },
    { flags: "--host <host>", description: "loopback address to listen on", default: "127.0.0.1" },
  ],
  async run(session, options) {
    const { output } = session;
    const port = parseWholeNumber(
      String(options.port),
      "--port",
      { min: 0, max: 65_535 },
      "0 picks any free port",
    );
    const { startLocalCloud } = await import("../../local/index.ts");
    let cloud: Awaited<ReturnType<typeof startLocalCloud>>;
    try {
      cloud = await startLocalCloud({
        stateDir: session.settings.stateDir,
        port,
        host: String(options.host),
        region: session.settings.region,
        verbose: Boolean(session.options.verbose),
      });
    } catch (error) {
      const message = (error as Error).message;
      // The local cloud's own errors (a corrupt state file, a state dir in use) carry their hint.
      const hint =
        (error as { hint?: string }).hint ??
        (/EADDRINUSE/.test(message)
          ? "choose another --port"
          : "is another s3size local running for this --state-dir?");
      throw new UserError(`cannot start the local cloud: ${message}`, hint, { cause: error });
    }
    const document = {
      endpoint: cloud.endpoint,
      port: cloud.port,
      stateDir: session.settings.stateDir,
      region: session.settings.region,
      consoleUrl: localConsoleUrl(cloud.endpoint),
      // The stack set up in this state dir, if any: its API is served here too.
      dashboardUrl: stackDashboardUrl(session.loadState(), session.settings.stage, cloud.endpoint),
    };
    output.result(document, () => {
      output.line(`local cloud listening at ${cloud.endpoint} (state in ${cloud.dataDir})`);
      output.line("point clients at it:");
      output.line(`  export AWS_ENDPOINT_URL=${cloud.endpoint} AWS_REGION=${session.settings.region}`);
      output.line("  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test");
      output.line(`  aws --endpoint-url ${cloud.endpoint} s3 ls`);
      output.line(`  s3size setup --endpoint-url ${cloud.endpoint}   (or --local with the same --state-dir)`);
      output.line(`console: ${document.consoleUrl} (read-only; s3size console opens it)`);
      if (document.dashboardUrl) output.line(`dashboard: ${document.dashboardUrl}`);
      output.line("stop it with Ctrl-C");
    });
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve();
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await cloud.stop();
    output.error("local cloud stopped");
    return 0;
  },
};
