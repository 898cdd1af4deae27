import { Writable } from "node:stream";
import { expect } from "chai";
import { Output } from "../../cli/output.ts";

class Capture extends Writable {
  text = "";
  constructor(readonly isTTY: boolean) {
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

describe("cli output", () => {
  it("prints plain ✔/✖ lines without escape codes when stdout is not a terminal", async () => {
    const stdout = new Capture(false);
    const output = new Output({ stdout, stderr: new Capture(false) }, { json: false, verbose: false });
    await output.step(
      "buckets",
      async () => 2,
      (n) => `${n} changes`,
    );
    await output.step("table", async () => Promise.reject(new Error("x"))).catch(() => {});
    expect(stdout.text).to.equal("✔ buckets: 2 changes\n✖ table\n");
  });

  it("ends a spinner in a ✔ line on a terminal", async () => {
    const stdout = new Capture(true);
    const output = new Output({ stdout, stderr: new Capture(false) }, { json: false, verbose: false });
    await output.step(
      "functions",
      async () => "ok",
      () => "up to date",
    );
    expect(stdout.text).to.include("functions: up to date");
    expect(stdout.text).to.match(/✔|√/);
  });

  it("keeps stdout to exactly one JSON document under --json", async () => {
    const stdout = new Capture(false);
    const stderr = new Capture(false);
    const output = new Output({ stdout, stderr }, { json: true, verbose: false });
    await output.step("demo", async () => 1);
    output.line("progress");
    output.result({ history: [18, 27, 0, 2] }, () => output.line("human"));
    expect(JSON.parse(stdout.text)).to.deep.equal({ history: [18, 27, 0, 2] });
    expect(stderr.text).to.equal("✔ demo\nprogress\n");
  });
});
