// How an execution environment of a runtime starts: Node.js functions under this node with the runtime's
// SDK folder on NODE_PATH, Python functions under the host's python3 (the runtime's own version when it is
// installed, python3 otherwise). A runtime the machine cannot run is reported when the function is invoked.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ensureRuntimeModules } from "./runtime-modules.ts";
import { includesSdkV3, runtimeFamily } from "./runtimes.ts";

const NODE_CLIENT = fileURLToPath(new URL("./runtime-client.mjs", import.meta.url));
const PYTHON_CLIENT = fileURLToPath(new URL("./runtime_client.py", import.meta.url));

export type Launch =
  | {
      command: string;
      args: string[];
      /** Added to the environment's variables (the runtime's own, as AWS's NODE_PATH). */
      env: Record<string, string>;
      /** A line for the function's log when the environment starts (e.g. which Python runs it). */
      notice?: string;
    }
  | { unavailable: string };

export interface LaunchOptions {
  /** The runtimes' own files (the Node.js runtime's SDK folder). */
  runtimeDir: string;
  /** Confine Node's `import` resolution with a hook: a node_modules folder lies above the code folders. */
  confineImports: boolean;
}

export async function launchFor(runtime: string, options: LaunchOptions): Promise<Launch> {
  switch (runtimeFamily(runtime)) {
    case "nodejs": {
      const env: Record<string, string> = {};
      if (includesSdkV3(runtime)) env.NODE_PATH = await ensureRuntimeModules(options.runtimeDir);
      const args = options.confineImports ? [NODE_CLIENT, "--confine-imports"] : [NODE_CLIENT];
      return { command: process.execPath, args, env };
    }
    case "python":
      return launchPython(runtime);
    default:
      return {
        unavailable: `The local cloud runs Node.js (nodejs*) and Python (python3.*) functions only; ${runtime} needs a runtime it does not have.`,
      };
  }
}

async function launchPython(runtime: string): Promise<Launch> {
  const wanted = runtime.slice("python".length);
  const interpreter = (await pythonVersion(runtime))
    ? runtime
    : (await pythonVersion("python3"))
      ? "python3"
      : undefined;
  if (!interpreter) {
    return {
      unavailable: `The local cloud runs ${runtime} functions with the host's Python 3, and neither ${runtime} nor python3 was found on PATH: install Python 3 (and boto3 for AWS calls), then invoke again.`,
    };
  }
  const version = (await pythonVersion(interpreter))!;
  const notice = version.startsWith(`${wanted}.`)
    ? undefined
    : `s3size local cloud: ${runtime} is not installed here; this function runs with Python ${version} (python3).`;
  return {
    command: interpreter,
    // Unbuffered, so every line is in the log before the invocation's flush mark.
    args: ["-u", PYTHON_CLIENT],
    // AWS's /var/task is read-only: no __pycache__ appears next to the function's code.
    env: { PYTHONDONTWRITEBYTECODE: "1" },
    ...(notice ? { notice } : {}),
  };
}

const versions = new Map<string, Promise<string | undefined>>();

/** The interpreter's version ("3.12.1"), or undefined when it does not run (missing, or a pyenv shim without it). */
function pythonVersion(command: string): Promise<string | undefined> {
  // Per PATH too: what runs depends on where the command is found.
  const key = `${command}\0${process.env.PATH ?? ""}`;
  let pending = versions.get(key);
  if (!pending) {
    pending = new Promise((resolve) => {
      execFile(
        command,
        ["-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"],
        { timeout: 10_000 },
        (error, stdout) => resolve(error ? undefined : stdout.trim() || undefined),
      );
    });
    versions.set(key, pending);
  }
  return pending;
}
