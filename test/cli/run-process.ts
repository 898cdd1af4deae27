// Runs bin/s3size.js as a real process: exit codes, stdout and stderr as a user sees them, and the
// environment exactly as given (configuration tests pass a temporary HOME and AWS_CONFIG_FILE).
import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/s3size.js", import.meta.url));

export interface ProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of a machine with no AWS configuration: PATH, HOME and nothing AWS. */
export function bareEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: home, AWS_EC2_METADATA_DISABLED: "true", ...extra };
}

export function runProcess(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; bin?: string },
): Promise<ProcessRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [options.bin ?? BIN, ...args],
      {
        cwd: options.cwd,
        env: options.env ?? { ...process.env, AWS_EC2_METADATA_DISABLED: "true" },
        timeout: 180_000,
        maxBuffer: 32 * 1024 * 1024,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Runs a shell pipeline (`bash -o pipefail -c`), so the exit code is the CLI's own. */
export function runPipeline(
  script: string,
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<ProcessRun> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-o", "pipefail", "-c", script], {
      cwd: options.cwd,
      env: options.env ?? process.env,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}
