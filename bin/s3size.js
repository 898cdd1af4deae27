#!/usr/bin/env node
// Entry point of `s3size`. An installed package runs the compiled JavaScript in dist/ (no TypeScript
// compiler or bundler on the user's machine); a source checkout runs the TypeScript itself through
// tsx (a development dependency), so an edit needs no build step.
import { existsSync } from "node:fs";

// The SDK warns every run on Node 20 about a support change in 2027; engines already says what we need.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const source = new URL("../cli/main.ts", import.meta.url);
let main;
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import("../dist/cli/main.js"));
}
process.exitCode = await main(process.argv);
