// A damaged state dir: every file the cloud reads at start, when it cannot be used, stops the start with
// one line naming the file and saying what to do, never with an unnamed JSON error; and the CLI prints
// just that line and its hint.
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect } from "chai";
import { findRunningLocalCloud, LocalStateError, startLocalCloud } from "../../local/index.ts";
import { runCli } from "../cli/run-cli.ts";

async function startError(stateDir: string): Promise<LocalStateError> {
  try {
    const cloud = await startLocalCloud({ stateDir, port: 0 });
    await cloud.stop();
  } catch (error) {
    expect(error, (error as Error).stack).to.be.instanceOf(LocalStateError);
    return error as LocalStateError;
  }
  throw new Error("the cloud started on a damaged state dir");
}

describe("local cloud on a damaged state dir", function () {
  this.timeout(120_000);
  let stateDir: string;
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), "s3size-corrupt-"));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  const write = (relative: string, text: string, mode = 0o644) => {
    const path = join(stateDir, "local", relative);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text, { mode });
    return path;
  };

  // The JSON state each service loads when the cloud starts.
  for (const file of [
    "iam/state.json",
    "iam/sessions.json",
    "iam/report.json",
    "apigateway.json",
    "lambda/functions.json",
    "lambda-async/event-invoke-configs.json",
    "sns/state.json",
    "events/state.json",
    "cloudwatch/alarms.json",
    // The s3rver-era bucket settings, read when an old state dir is converted.
    "s3-buckets.json",
  ]) {
    it(`names ${file} when it is truncated, with the hint to move it aside`, async () => {
      const path = write(file, '{"half": ');
      const error = await startError(stateDir);
      expect(error.path).to.equal(path);
      expect(error.message).to.equal(
        `the local cloud's state file ${path} is corrupt (Unexpected end of JSON input)`,
      );
      expect(error.hint).to.contain(`mv '${path}' '${path}.corrupt'`);
    });
  }

  it("starts again once the damaged file is moved aside, as the hint says", async () => {
    const path = write("iam/state.json", "{");
    await startError(stateDir);
    renameSync(path, `${path}.corrupt`);
    const cloud = await startLocalCloud({ stateDir, port: 0 });
    await cloud.stop();
  });

  it("names a state file holding JSON of the wrong kind", async () => {
    const functions = write("lambda/functions.json", "{}");
    expect((await startError(stateDir)).message).to.equal(
      `the local cloud's state file ${functions} holds an object where an array belongs`,
    );
    rmSync(functions);
    const iam = write("iam/state.json", "null");
    expect((await startError(stateDir)).message).to.contain(`${iam} holds null where an object belongs`);
  });

  it("names a lock file that holds no process id, instead of taking it over", async () => {
    const lock = write("lock", "garbage");
    const error = await startError(stateDir);
    expect(error.message).to.equal(`the local cloud's lock file ${lock} does not hold a process id`);
    expect(error.hint).to.contain("if no s3size local is running for this state dir, remove it");
  });

  it("names a damaged admin token, and one other users could read", async () => {
    const token = write("admin-token", "short", 0o600);
    expect((await startError(stateDir)).message).to.equal(
      `the local cloud's admin token ${token} is corrupt`,
    );
    rmSync(token);
    write("admin-token", "a".repeat(64), 0o644);
    const error = await startError(stateDir);
    expect(error.message).to.equal(`the local cloud's admin token ${token} is readable by other users`);
    expect(error.hint).to.contain(`rm '${token}'`);
  });

  it("ignores a damaged endpoint file, which only points at a running cloud, and rewrites it", async () => {
    const path = write("endpoint.json", "{");
    expect(await findRunningLocalCloud(stateDir)).to.equal(undefined);
    const cloud = await startLocalCloud({ stateDir, port: 0 });
    try {
      expect(JSON.parse(readFileSync(path, "utf8")).endpoint).to.equal(cloud.endpoint);
    } finally {
      await cloud.stop();
    }
  });

  it("prints one error line naming the file and one hint through the CLI, with a non-zero exit", async () => {
    const path = write("iam/state.json", "");
    const run = await runCli(["local", "--port", "0", "--state-dir", stateDir], { cwd: stateDir });
    expect(run.code).to.equal(1);
    expect(run.stderr.trimEnd().split("\n")).to.deep.equal([
      `error: cannot start the local cloud: the local cloud's state file ${path} is corrupt (Unexpected end of JSON input)`,
      `hint: move it aside (mv '${path}' '${path}.corrupt') and start again: that service starts empty, the others keep their data`,
    ]);
  });
});
