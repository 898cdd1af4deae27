import { Writable } from "node:stream";
import { expect } from "chai";
import { Output, watchStreams } from "../../cli/output.ts";

class Capture extends Writable {
  text = "";
  constructor(
    readonly isTTY: boolean,
    readonly columns?: number,
  ) {
    super();
  }
  // What ora calls on a terminal to redraw its line.
  cursorTo() {
    return true;
  }
  clearLine() {
    return true;
  }
  moveCursor() {
    return true;
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

/** Select Graphic Rendition: the escape sequences that colour text (ESC [ … m). */
const COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[\\d;]*m`, "g");

function outputOn(stdout: Capture, env: NodeJS.ProcessEnv = {}, json = false) {
  const stderr = new Capture(false);
  return { output: new Output({ stdout, stderr }, { json, verbose: false, env }), stderr };
}

describe("cli output", () => {
  it("prints plain ✔/✖ lines without escape codes when stdout is not a terminal", async () => {
    const stdout = new Capture(false);
    const { output } = outputOn(stdout);
    await output.step(
      "buckets",
      async () => 2,
      (n) => `${n} changes`,
    );
    await output.step("table", async () => Promise.reject(new Error("x"))).catch(() => {});
    expect(stdout.text).to.equal("✔ buckets: 2 changes\n✖ table\n");
  });

  it("ends a spinner in a green ✔ line on a colour terminal", async () => {
    const stdout = new Capture(true, 80);
    const { output } = outputOn(stdout, { TERM: "xterm-256color" });
    await output.step(
      "functions",
      async () => "ok",
      () => "up to date",
    );
    expect(stdout.text).to.include("functions: up to date");
    expect(stdout.text).to.include("\u001b[32m✔\u001b[39m");
  });

  it("honours NO_COLOR on a terminal: a spinner, but not one colour code", async () => {
    const stdout = new Capture(true, 80);
    const { output } = outputOn(stdout, { NO_COLOR: "1", TERM: "xterm-256color" });
    await output.step("functions", () => new Promise((resolve) => setTimeout(resolve, 250)));
    await output.step("api", async () => Promise.reject(new Error("x"))).catch(() => {});
    expect(stdout.text).to.include("✔ functions");
    expect(stdout.text).to.include("✖ api");
    expect(stdout.text).not.to.match(COLOUR);
  });

  it("honours FORCE_COLOR into a pipe, and FORCE_COLOR=0 on a terminal", async () => {
    const piped = new Capture(false);
    await outputOn(piped, { FORCE_COLOR: "1" }).output.step("buckets", async () => 1);
    expect(piped.text).to.equal("\u001b[32m✔\u001b[39m buckets\n");
    const terminal = new Capture(true, 80);
    await outputOn(terminal, { FORCE_COLOR: "0", TERM: "xterm" }).output.step("buckets", async () => 1);
    expect(terminal.text).not.to.match(COLOUR);
  });

  for (const columns of [0, undefined]) {
    it(`prints plain lines, not a spinner, on a terminal that reports ${columns} columns`, async () => {
      const stdout = new Capture(true, columns);
      const { output } = outputOn(stdout, { TERM: "xterm" });
      expect(output.interactive).to.equal(false);
      await output.step("functions", () => new Promise((resolve) => setTimeout(resolve, 300)));
      // One line (coloured: it is still a terminal), however long the step took.
      expect(stdout.text.replace(COLOUR, "")).to.equal("✔ functions\n");
    });
  }

  it("keeps stdout to exactly one JSON document under --json", async () => {
    const stdout = new Capture(false);
    const { output, stderr } = outputOn(stdout, {}, true);
    await output.step("demo", async () => 1);
    output.line("progress");
    output.result({ history: [18, 27, 0, 2] }, () => output.line("human"));
    expect(JSON.parse(stdout.text)).to.deep.equal({ history: [18, 27, 0, 2] });
    expect(stderr.text).to.equal("✔ demo\nprogress\n");
  });

  it("streams one JSON object per line under --json, and the human line otherwise", () => {
    const stdout = new Capture(false);
    const { output, stderr } = outputOn(stdout, {}, true);
    output.item({ message: "a" }, "human a");
    output.item({ message: "b" }, "human b");
    expect(
      stdout.text
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).to.deep.equal([{ message: "a" }, { message: "b" }]);
    expect(stderr.text).to.equal("");
    const human = new Capture(false);
    outputOn(human).output.item({ message: "a" }, "human a");
    expect(human.text).to.equal("human a\n");
  });

  it("stops writing, without an error, once the reader has gone (EPIPE)", () => {
    const stdout = new Capture(false);
    const stderr = new Capture(false);
    const gone = watchStreams({ stdout, stderr });
    const output = new Output({ stdout, stderr }, { json: false, verbose: false, gone });
    output.line("first");
    stdout.emit("error", Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
    output.line("second");
    expect(gone.aborted).to.equal(true);
    expect(stdout.text).to.equal("first\n");
  });
});
