// Issue 8's attacks on function code: zips whose entries reach outside the code folder or clash, and
// code planted in a folder before (or after) the local cloud unpacks a function there.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import {
  InvokeCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import { createFunction, createLambdaRole, decode, expectError, waitUntilReady } from "./fixtures/lambda.ts";
import { type CraftedEntry, craftZip } from "./fixtures/zip.ts";

const UNZIP_MESSAGE = "Could not unzip uploaded file. Please check your file, then try to upload again.";
const GOOD_CODE = 'export const handler = async () => ({ ran: "uploaded code" });';
const PLANTED_CODE = 'export const handler = async () => ({ ran: "planted code" });';

describe("local Lambda refuses unsafe zips and never trusts a code folder because it exists", () => {
  let test: TestCloud;
  let role: string;
  let codeRoot: string;

  before(async () => {
    test = await startTestCloud();
    role = await createLambdaRole(test.clients.iam, "safety-role");
    codeRoot = join(test.stateDir, "local", "lambda", "code");
  });
  after(() => test.stop());

  const create = (name: string, zip: Buffer) => createFunction(test.clients.lambda, { name, role, zip });
  const invoke = async (name: string) =>
    decode((await test.clients.lambda.send(new InvokeCommand({ FunctionName: name }))).Payload);
  const hashOf = (zip: Buffer) => createHash("sha256").update(zip).digest("hex");

  const attacks: Array<[string, CraftedEntry[]]> = [
    [
      "a ../ entry",
      [
        { name: "index.mjs", content: GOOD_CODE },
        { name: "../escaped.mjs", content: "x" },
      ],
    ],
    ["a nested ../ entry", [{ name: "lib/../../escaped.mjs", content: "x" }]],
    ["an absolute path", [{ name: "/tmp/s3size-absolute-escape.mjs", content: "x" }]],
    ["a symbolic link", [{ name: "index.mjs", content: "/etc/passwd", mode: 0o120777 }]],
    ["a NUL in a name", [{ name: "index.mjs\u0000.txt", content: GOOD_CODE }]],
    [
      "a file then a folder of the same name",
      [
        { name: "lib", content: "x" },
        { name: "lib/a.mjs", content: "x" },
      ],
    ],
    [
      "a folder then a file of the same name",
      [
        { name: "lib/a.mjs", content: "x" },
        { name: "lib", content: "x" },
      ],
    ],
    [
      "the same file twice",
      [
        { name: "index.mjs", content: GOOD_CODE },
        { name: "index.mjs", content: "x" },
      ],
    ],
  ];

  for (const [attack, entries] of attacks) {
    it(`refuses a zip with ${attack} at CreateFunction, writing nothing`, async () => {
      const zip = craftZip(entries);
      const before = readdirSync(codeRoot).sort();
      const created = await expectError(create("attacked", zip), "InvalidParameterValueException", 400);
      expect(created.message).to.equal(UNZIP_MESSAGE);
      expect(readdirSync(codeRoot).sort()).to.deep.equal(before);
      expect(existsSync(join(codeRoot, "escaped.mjs"))).to.equal(false);
      expect(existsSync(join(dirname(codeRoot), "escaped.mjs"))).to.equal(false);
      expect(existsSync("/tmp/s3size-absolute-escape.mjs")).to.equal(false);
    });
  }

  it("refuses the same attacks on UpdateFunctionCode and keeps running the code it had", async () => {
    await create("victim", craftZip([{ name: "index.mjs", content: GOOD_CODE }]));
    for (const [, entries] of attacks) {
      const error = await expectError(
        test.clients.lambda.send(
          new UpdateFunctionCodeCommand({ FunctionName: "victim", ZipFile: craftZip(entries) }),
        ),
        "InvalidParameterValueException",
        400,
      );
      expect(error.message).to.equal(UNZIP_MESSAGE);
    }
    expect(await invoke("victim")).to.deep.equal({ ran: "uploaded code" });
  });

  it("refuses a zip whose entries claim more than 250 MB unzipped, before writing any of it", async () => {
    const bomb = craftZip([{ name: "index.mjs", content: GOOD_CODE, declaredSize: 262_144_001 }]);
    const error = await expectError(create("bomb", bomb), "InvalidParameterValueException", 400);
    expect(error.message).to.equal("Unzipped size must be smaller than 262144000 bytes");
  });

  it("unpacks code under the state dir in a folder only this user can enter", async () => {
    expect(resolve(codeRoot).startsWith(resolve(test.stateDir))).to.equal(true);
    expect(statSync(codeRoot).mode & 0o777).to.equal(0o700);
  });

  it("replaces a folder planted under the zip's hash before the function exists, and runs the uploaded code", async () => {
    const zip = craftZip([{ name: "index.mjs", content: `${GOOD_CODE}\n// planted-before` }]);
    const planted = join(codeRoot, hashOf(zip));
    mkdirSync(planted, { recursive: true });
    writeFileSync(join(planted, "index.mjs"), PLANTED_CODE);
    await create("planted-before", zip);
    expect(await invoke("planted-before")).to.deep.equal({ ran: "uploaded code" });
  });

  it("notices code edited in the unpacked folder and unpacks the zip again before the next cold start", async () => {
    const zip = craftZip([{ name: "index.mjs", content: `${GOOD_CODE}\n// planted-after` }]);
    await create("planted-after", zip);
    expect(await invoke("planted-after")).to.deep.equal({ ran: "uploaded code" });
    writeFileSync(join(codeRoot, hashOf(zip), "index.mjs"), PLANTED_CODE);
    writeFileSync(join(codeRoot, hashOf(zip), "extra.mjs"), PLANTED_CODE);
    // A configuration change retires the warm environment: the next invocation starts a new one.
    await test.clients.lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: "planted-after", Description: "cold again" }),
    );
    await waitUntilReady(test.clients.lambda, "planted-after");
    expect(await invoke("planted-after")).to.deep.equal({ ran: "uploaded code" });
    expect(existsSync(join(codeRoot, hashOf(zip), "extra.mjs"))).to.equal(false);
  });

  it("ignores code planted in the shared temp folder the local cloud once unpacked into", async () => {
    const zip = craftZip([{ name: "index.mjs", content: `${GOOD_CODE}\n// shared-temp` }]);
    const scope = createHash("sha256")
      .update(resolve(join(test.stateDir, "local", "lambda")))
      .digest("hex")
      .slice(0, 12);
    const legacy = join(tmpdir(), "s3size-lambda-code", scope, "shared-temp", hashOf(zip));
    mkdirSync(legacy, { recursive: true });
    writeFileSync(join(legacy, "index.mjs"), PLANTED_CODE);
    try {
      await create("shared-temp", zip);
      expect(await invoke("shared-temp")).to.deep.equal({ ran: "uploaded code" });
    } finally {
      rmSync(join(tmpdir(), "s3size-lambda-code", scope), { recursive: true, force: true });
    }
  });

  it("stays up and serves requests after every refused zip", async () => {
    const response = await fetch(`${test.cloud.endpoint}/_s3size/health`);
    expect(response.status).to.equal(200);
  });
});
