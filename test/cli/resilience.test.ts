// Crash safety and AWS's awkward moments: setup stopped after every step resumes or tears down cleanly,
// and setup succeeds with the local cloud's IAM delay, Pending/InProgress states and throttling on.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { mutatingCalls } from "../../cli/aws-clients.ts";
import { STEP_NAMES } from "../../cli/provision/steps.ts";
import { type LocalCloud, startLocalCloud } from "../../local/index.ts";
import { cloudClients, DEMO_SLEEP_MS, hostZips, leftovers, runCli } from "./run-cli.ts";

function crashAfter(step: string) {
  return (completed: string) => {
    if (completed === step) throw new Error(`injected crash after ${step}`);
  };
}

describe("s3size CLI when setup is interrupted", function () {
  this.timeout(300_000);
  let cloud: LocalCloud;
  let work: string;
  const cli = (args: string[], afterStep?: (step: string) => void) =>
    runCli([...args, "--endpoint-url", cloud.endpoint, "--state-dir", join(work, ".s3size")], {
      cwd: work,
      afterStep,
    });

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "s3size-cli-crash-"));
    // Each test sets up right after the last one's teardown: SQS's 60 s hold on a deleted queue's name
    // shortened to 1 s (setup waits it out; messaging.test.ts shows that).
    cloud = await startLocalCloud({
      stateDir: join(work, "cloud"),
      port: 0,
      realism: { queueNameReuseMs: 1000 },
    });
  });

  after(async () => {
    await cloud?.stop();
  });

  for (const step of STEP_NAMES) {
    it(`tears down everything after a crash right after "${step}"`, async () => {
      const crashed = await cli(["setup"], crashAfter(step));
      expect(crashed.code).to.equal(1);
      expect(crashed.stderr).to.equal(
        `error: injected crash after ${step}\nhint: run again with --verbose for details\n`,
      );
      const state = JSON.parse(readFileSync(join(work, ".s3size", "state.json"), "utf8"));
      expect(Object.keys(state.completed).at(-1)).to.equal(step);
      const teardown = await cli(["teardown", "--yes"]);
      expect(teardown.code, teardown.stderr).to.equal(0);
      expect(await leftovers(cloudClients(cloud.endpoint))).to.deep.equal([]);
    });
  }

  it("completes on the next run after a crash at each step in turn, then converges", async () => {
    for (const step of STEP_NAMES) {
      const crashed = await cli(["setup"], crashAfter(step));
      expect(crashed.code, `crash after ${step}`).to.equal(1);
    }
    const resumed = await cli(["setup"]);
    expect(resumed.code, resumed.stderr).to.equal(0);
    expect(mutatingCalls(resumed.calls)).to.deep.equal([]);
    const demo = await cli(["demo", "--sleep-ms", DEMO_SLEEP_MS, "--json", "--out", "p.png"]);
    expect(demo.code, demo.stderr).to.equal(0);
    expect(
      JSON.parse(demo.stdout)
        .history.map((p: { totalSize: number }) => p.totalSize)
        .slice(-4),
    ).to.deep.equal([18, 27, 0, 2]);
    expect((await cli(["teardown", "--yes"])).code).to.equal(0);
    expect(await leftovers(cloudClients(cloud.endpoint))).to.deep.equal([]);
  });
});

describe("s3size CLI with the local cloud's realism switches on", function () {
  this.timeout(300_000);
  let cloud: LocalCloud;
  let work: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "s3size-cli-realism-"));
    cloud = await startLocalCloud({
      stateDir: join(work, "cloud"),
      port: 0,
      realism: { iamPropagationMs: 5000, functionPendingMs: 400, functionUpdateMs: 400, throttleEveryN: 9 },
    });
    // Zipped beforehand, so the roles are still propagating when the functions step starts.
    await hostZips();
  });

  after(async () => {
    await cloud?.stop();
  });

  it("sets up despite IAM propagation delay, Pending/InProgress functions and throttling, and the demo works", async () => {
    const cli = (...args: string[]) =>
      runCli([...args, "--endpoint-url", cloud.endpoint, "--state-dir", join(work, ".s3size")], {
        cwd: work,
      });
    const setup = await cli("setup");
    expect(setup.code, setup.stderr).to.equal(0);
    const retried = setup.calls.filter((c) => c.command === "CreateFunction").length;
    expect(retried, "CreateFunction was retried while the roles propagated").to.be.greaterThan(3);
    const demo = await cli("demo", "--sleep-ms", DEMO_SLEEP_MS, "--json", "--out", "p.png");
    expect(demo.code, demo.stderr).to.equal(0);
    expect(JSON.parse(demo.stdout).api.max.totalSize).to.equal(27);
    const teardown = await cli("teardown", "--yes");
    expect(teardown.code, teardown.stderr).to.equal(0);
    expect(await leftovers(cloudClients(cloud.endpoint))).to.deep.equal([]);
  });
});
