// The CLI as a careful user meets it: strict numbers and names, file and folder errors that name the
// file, a lock between two commands on one stack, pipes that close early, streamed JSON, help that
// lists the options a command takes, the version of the package.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { BatchWriteItemCommand, CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import type { MainIo } from "../../cli/session.ts";
import { historyTableDefinition, recordToItem } from "../../handlers/common/history.ts";
import { type LocalCloud, startLocalCloud } from "../../local/index.ts";
import { cloudClients, expectOneLineError, leftovers, runCli } from "./run-cli.ts";
import { BIN, runPipeline } from "./run-process.ts";

describe("s3size CLI hygiene", function () {
  this.timeout(120_000);
  let cloud: LocalCloud;
  let work: string;
  const stateDir = () => join(work, ".s3size");
  const cli = (args: string[], extra: Partial<MainIo> = {}) =>
    runCli([...args, "--endpoint-url", cloud.endpoint, "--state-dir", stateDir()], { ...extra, cwd: work });

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "s3size-cli-hygiene-"));
    cloud = await startLocalCloud({ stateDir: join(work, "cloud"), port: 0 });
  });

  after(async () => {
    await cloud?.stop();
  });

  describe("numbers and names", () => {
    for (const raw of ["0x10", "1e3", " 5", "5ms", "5.0", "-1", ""]) {
      it(`refuses --driver-wait-ms ${JSON.stringify(raw)} in one line, before any call`, async () => {
        const run = await cli(["setup", "--driver-wait-ms", raw]);
        expectOneLineError(
          run,
          /--driver-wait-ms \(S3SIZE_DRIVER_WAIT_MS\) must be a whole number from 0 to 600000/,
          /fix the flag/,
        );
        expect(run.calls).to.deep.equal([]);
      });
    }

    it("refuses non-decimal numbers in every numeric flag and variable", async () => {
      expectOneLineError(
        await cli(["demo", "--sleep-ms", "1e3"]),
        /--sleep-ms must be a whole number/,
        /--sleep-ms 300/,
      );
      expectOneLineError(
        await cli(["plot", "--seconds", "0x10"]),
        /--seconds must be a whole number/,
        /--seconds 10/,
      );
      expectOneLineError(
        await cli(["status"], { env: { S3SIZE_API_RATE_LIMIT: "1e1" } }),
        /--api-rate-limit \(S3SIZE_API_RATE_LIMIT\) must be a whole number/,
        /fix the flag/,
      );
      const local = await runCli(["local", "--port", " 5", "--state-dir", stateDir()], { cwd: work });
      expectOneLineError(local, /--port must be a whole number from 0 to 65535, got " 5"/, /free port/);
    });

    it("refuses names AWS would refuse, before any call", async () => {
      const refused: Array<[string[], RegExp]> = [
        [["--api-name", ""], /invalid API name "" \(--api-name/],
        [["--api-name", " padded"], /invalid API name " padded"/],
        [["--api-name", "bell\u0007"], /invalid API name/],
        [["--function-prefix", "x".repeat(46)], /invalid function prefix/],
        [["--function-prefix", "has.dot"], /invalid function prefix "has.dot"/],
        [["--stage", "my-stage"], /invalid stage name "my-stage"/],
        [["--stack", "a,b"], /invalid stack name "a,b"/],
        [["--table", "ab"], /invalid table name "ab"/],
        [["--runtime", "nodejs18.x"], /unsupported runtime "nodejs18.x"/],
      ];
      for (const [flags, message] of refused) {
        const run = await cli(["setup", ...flags]);
        expectOneLineError(run, message, /./);
        expect(run.calls, flags.join(" ")).to.deep.equal([]);
      }
      expect(await leftovers(cloudClients(cloud.endpoint))).to.deep.equal([]);
    });
  });

  describe("files and folders", () => {
    it("fails at once, in one line, on a state dir it cannot write: /proc/x, a path through a file", async () => {
      writeFileSync(join(work, "a-file"), "");
      for (const dir of ["/proc/x", join(work, "a-file", "x")]) {
        const run = await runCli(["setup", "--endpoint-url", cloud.endpoint, "--state-dir", dir], {
          cwd: work,
        });
        expectOneLineError(run, new RegExp(`cannot use ${dir} as the state dir: `), /--state-dir/);
        expect(run.calls).to.deep.equal([]);
        for (const args of [
          ["status", "--local"],
          ["local", "--port", "0"],
        ]) {
          const run = await runCli([...args, "--state-dir", dir], { cwd: work });
          expectOneLineError(run, /as the state dir/, /--state-dir/);
        }
      }
    });

    it("names a corrupt state.json and the way out, instead of a SyntaxError", async () => {
      const dir = join(work, "corrupt");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "state.json"), "{");
      const run = await runCli(["status", "--endpoint-url", cloud.endpoint, "--state-dir", dir], {
        cwd: work,
      });
      expectOneLineError(
        run,
        new RegExp(`${join(dir, "state.json")} is not valid JSON \\(`),
        /delete it and run s3size setup/,
      );
      writeFileSync(join(dir, "state.json"), '{"hello": "world"}');
      const other = await runCli(["setup", "--endpoint-url", cloud.endpoint, "--state-dir", dir], {
        cwd: work,
      });
      expectOneLineError(other, /state\.json is not an s3size state file/, /delete it/);
    });
  });

  describe("one command at a time on a stack", () => {
    it("refuses a second setup while another holds the lock, naming its pid, command and age", async () => {
      const dir = join(work, "locked");
      mkdirSync(dir, { recursive: true });
      const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
      try {
        writeFileSync(
          join(dir, "stack.lock"),
          JSON.stringify({
            pid: holder.pid,
            command: "teardown",
            startedAt: new Date().toISOString(),
            host: hostname(),
          }),
        );
        const run = await runCli(["setup", "--endpoint-url", cloud.endpoint, "--state-dir", dir], {
          cwd: work,
          lockWaitMs: 300,
        });
        const [waiting, ...error] = run.stderr.split("\n");
        expect(waiting).to.equal(
          `waiting for s3size teardown (pid ${holder.pid}) to finish with this stack…`,
        );
        expectOneLineError(
          { code: run.code, stderr: error.join("\n") },
          new RegExp(
            `another s3size teardown \\(pid ${holder.pid}, started \\d+ s ago\\) is changing the stack in ${dir}`,
          ),
          new RegExp(`kill ${holder.pid}`),
        );
        expect(run.calls).to.deep.equal([]);
      } finally {
        holder.kill();
      }
    });

    it("takes over the lock of a process that is gone", async () => {
      const dir = join(work, "stale");
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, "stack.lock"),
        JSON.stringify({
          pid: 2 ** 22 + 12345,
          command: "setup",
          startedAt: new Date().toISOString(),
          host: hostname(),
        }),
      );
      const run = await runCli(["teardown", "--yes", "--endpoint-url", cloud.endpoint, "--state-dir", dir], {
        cwd: work,
        lockWaitMs: 300,
      });
      expect(run.code, run.stderr).to.equal(0);
      expect(existsSync(join(dir, "stack.lock"))).to.equal(false);
    });

    it("lets two setups started together on one state dir both finish: the second waits", async () => {
      const [a, b] = await Promise.all([
        cli(["setup"], { lockWaitMs: 110_000 }),
        cli(["setup"], { lockWaitMs: 110_000 }),
      ]);
      expect([a.code, b.code], a.stderr + b.stderr).to.deep.equal([0, 0]);
      expect(
        [a.stderr, b.stderr].filter((text) => /waiting for s3size setup \(pid \d+\)/.test(text)),
      ).to.have.length(1);
      expect([a, b].filter((run) => run.stdout.includes("everything is up to date"))).to.have.length(1);
    });
  });

  describe("output", () => {
    it("names the file when --out cannot be written (the stack set up above answers)", async () => {
      const out = join(work, "no-such-folder", "plot.png");
      expectOneLineError(
        await cli(["plot", "--out", out]),
        new RegExp(`cannot write ${out}: no such file or directory \\(ENOENT\\)`),
        /--out/,
      );
    });

    it("prints the version of package.json", async () => {
      const run = await runCli(["--version"], { cwd: work });
      const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
      expect(run.stdout).to.equal(`${version}\n`);
    });

    it("lists the global options in every command's help: teardown --help mentions --yes", async () => {
      for (const command of ["setup", "demo", "teardown", "status", "history", "plot", "logs", "local"]) {
        const run = await runCli([command, "--help"], { cwd: work });
        expect(run.code).to.equal(0);
        expect(run.stdout, command).to.match(/Global Options:[\s\S]*--region[\s\S]*--yes/);
      }
      expect((await runCli(["teardown", "--help"], { cwd: work })).stdout).to.include(
        "do not ask for confirmation",
      );
      expect((await runCli(["help", "demo"], { cwd: work })).stdout).to.include("--sleep-ms");
    });

    it("exits quietly, with 0, when the reader of `history` goes away (| head -1)", async () => {
      const { dynamodb } = cloudClients(cloud.endpoint);
      await dynamodb.send(new CreateTableCommand(historyTableDefinition("pipe-history")));
      for (let batch = 0; batch < 20; batch++) {
        const items = Array.from({ length: 25 }, (_, i) => {
          const timestamp = Date.now() - (batch * 25 + i) * 1000;
          return recordToItem({
            bucketName: "piped",
            timestamp,
            totalSize: i,
            objectCount: 1,
            recordedAt: new Date(timestamp).toISOString(),
          });
        });
        await dynamodb.send(
          new BatchWriteItemCommand({
            RequestItems: { "pipe-history": items.map((Item) => ({ PutRequest: { Item } })) },
          }),
        );
      }
      const run = await runPipeline(
        `"${process.execPath}" "${BIN}" history --bucket piped --table pipe-history --since 1d --endpoint-url ${cloud.endpoint} --state-dir "${stateDir()}" | head -1`,
        { cwd: work, env: { PATH: process.env.PATH, HOME: work, AWS_EC2_METADATA_DISABLED: "true" } },
      );
      expect(run.stderr).to.equal("");
      expect(run.code).to.equal(0);
      expect(run.stdout).to.match(/^recorded at \(UTC\) +size \(bytes\)/);
    });

    it("streams `logs --follow --json` as one JSON object per line and nothing else, until interrupted", async () => {
      const { logs } = cloudClients(cloud.endpoint);
      const group = "/aws/lambda/s3size-driver";
      await logs.send(new CreateLogGroupCommand({ logGroupName: group })).catch(() => {});
      await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: "s" }));
      const put = (message: string) =>
        logs.send(
          new PutLogEventsCommand({
            logGroupName: group,
            logStreamName: "s",
            logEvents: [{ timestamp: Date.now(), message }],
          }),
        );
      await put("first");
      const child = spawn(
        process.execPath,
        [
          BIN,
          "logs",
          "driver",
          "--follow",
          "--json",
          "--endpoint-url",
          cloud.endpoint,
          "--state-dir",
          stateDir(),
        ],
        { cwd: work, env: { PATH: process.env.PATH, HOME: work, AWS_EC2_METADATA_DISABLED: "true" } },
      );
      let stdout = "";
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      const lines = async (count: number) => {
        while (stdout.split("\n").filter(Boolean).length < count) await sleep(50);
      };
      await lines(1);
      await put("second");
      await lines(2);
      await put("third");
      await put("fourth");
      await lines(4);
      const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGINT");
      expect(await exit).to.equal(0);
      expect(stderr).to.equal("");
      const events = stdout
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line));
      expect(events.map((event) => event.message)).to.deep.equal(["first", "second", "third", "fourth"]);
      expect(events[0]).to.include.keys("logGroup", "logStream", "timestamp", "time", "message");
    });
  });
});
