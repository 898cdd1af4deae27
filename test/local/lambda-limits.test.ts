import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import { createFunction, createLambdaRole, decode, ECHO_FUNCTION_DIR, zipFolder } from "./fixtures/lambda.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("local Lambda resource limits", () => {
  let test: TestCloud;
  let scratch: string;

  before(async () => {
    const previous = process.env.S3SIZE_LOCAL_MAX_ENVIRONMENTS;
    process.env.S3SIZE_LOCAL_MAX_ENVIRONMENTS = "2";
    try {
      test = await startTestCloud();
    } finally {
      if (previous === undefined) delete process.env.S3SIZE_LOCAL_MAX_ENVIRONMENTS;
      else process.env.S3SIZE_LOCAL_MAX_ENVIRONMENTS = previous;
    }
    const role = await createLambdaRole(test.clients.iam, "limits-role");
    await createFunction(test.clients.lambda, {
      name: "burst",
      role,
      zip: await zipFolder(ECHO_FUNCTION_DIR),
    });
    scratch = mkdtempSync(join(tmpdir(), "s3size-limits-"));
  });
  after(async () => {
    await test.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("runs a burst larger than the environment limit in turn: every invocation completes, never more than the limit at once", async () => {
    const ids = ["a", "b", "c", "d", "e", "f"];
    const results = await Promise.all(
      ids.map((id) =>
        test.clients.lambda.send(
          new InvokeCommand({
            FunctionName: "burst",
            Payload: Buffer.from(JSON.stringify({ action: "count-running", dir: scratch, id, ms: 300 })),
          }),
        ),
      ),
    );
    const bodies = results.map((result) => decode(result.Payload));
    expect(bodies.map((body) => body.id).sort()).to.deep.equal(ids);
    expect(Math.max(...bodies.map((body) => body.running))).to.be.at.most(2);
    // With two environments some invocations did overlap: the limit is a cap, not serialisation.
    expect(Math.max(...bodies.map((body) => body.running))).to.equal(2);
  });

  it("does not leave execution environments running when the emulator process dies without stopping them", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", new URL("./fixtures/orphan-cloud.ts", import.meta.url).pathname],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    for (let i = 0; i < 600 && !output.includes("\n"); i += 1) await sleep(50);
    const { pid } = JSON.parse(output.trim()) as { pid: number };
    expect(isRunning(pid), "the environment runs while its emulator lives").to.equal(true);
    child.kill("SIGKILL");
    let gone = false;
    for (let i = 0; i < 200 && !gone; i += 1) {
      await sleep(50);
      gone = !isRunning(pid);
    }
    expect(gone, `environment process ${pid} outlived its emulator`).to.equal(true);
  });
});
