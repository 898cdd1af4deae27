// `s3size console`: opens the local cloud's console (read-only pages of its buckets, tables, functions,
// roles, APIs, logs, topics, queues and alarms) in a browser, or prints its address when none can open.
// The console lives in the local cloud: the one running for the state dir, or the one --endpoint-url names.
import { spawn } from "node:child_process";
import { localConsoleUrl } from "../browser-links.ts";
import { UserError } from "../errors.ts";
import type { CommandSpec } from "./types.ts";

export interface Opener {
  command: string;
  args: string[];
}

/**
 * How this machine opens a URL: $BROWSER first (its first entry, as `sensible-browser` reads it), then
 * the platform's opener; none on a Linux without a display (a server, a container, CI).
 */
export function browserOpener(
  url: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
): Opener | undefined {
  const chosen = (env.BROWSER ?? "").split(":")[0]?.trim();
  if (chosen) return { command: chosen, args: [url] };
  if (platform === "darwin") return { command: "open", args: [url] };
  // rundll32 takes the URL as one argument; `cmd /c start` would split it at every "&".
  if (platform === "win32") return { command: "rundll32", args: ["url.dll,FileProtocolHandler", url] };
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return undefined;
  return { command: "xdg-open", args: [url] };
}

/** Starts the opener and waits briefly for it to fail; true when it started and did not fail at once. */
export function openInBrowser(opener: Opener, waitMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(opener.command, opener.args, { stdio: "ignore", detached: true });
    } catch {
      resolve(false);
      return;
    }
    const timer = setTimeout(() => {
      child.unref();
      resolve(true);
    }, waitMs);
    child.once("error", () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

export const consoleCommand: CommandSpec = {
  options: [{ flags: "--no-open", description: "only print the console's address" }],
  async run(session, options) {
    const { output, settings } = session;
    let endpoint = settings.endpoint;
    if (!endpoint) {
      const { findRunningLocalCloud } = await import("../../local/index.ts");
      endpoint = (await findRunningLocalCloud(settings.stateDir))?.endpoint;
    }
    if (!endpoint) {
      throw new UserError(
        `no local cloud is running for the state dir ${settings.stateDir}`,
        `start one with s3size local --state-dir ${settings.stateDir} (the console is the local cloud's; on AWS, s3size status prints the AWS console's links)`,
      );
    }
    const url = localConsoleUrl(endpoint);
    const opener = options.open === false ? undefined : browserOpener(url, session.io.env, process.platform);
    const opened = opener ? await openInBrowser(opener) : false;
    output.result({ url, opened }, () => {
      if (opened) output.line(`opened ${url} in your browser`);
      else if (options.open === false) output.line(url);
      else output.line(`no browser could be opened here; open ${url}`);
    });
    return 0;
  },
};
