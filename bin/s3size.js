#!/usr/bin/env node
// Entry point of `npx s3size`: runs the TypeScript CLI directly through tsx, so there is no build step
// between `npm ci` and the first command.
import { register } from "tsx/esm/api";

// The SDK warns every run on Node 20 about a support change in 2027; engines already says what we need.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
register();
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv);
