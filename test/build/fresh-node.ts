// Test helper: runs an ES module snippet in a new Node process inside an unpacked zip, with a
// minimal environment, so only what the zip holds can be imported.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

export async function runInFreshNode(
  cwd: string,
  script: string,
  env: Record<string, string> = {},
): Promise<unknown> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "--eval", script], {
    cwd,
    // No NODE_PATH, NODE_OPTIONS (the test runner's tsx loader) or AWS settings of the machine.
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: cwd, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = stdout.trim().split("\n");
  return JSON.parse(lines.at(-1)!);
}
