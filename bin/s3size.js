#!/usr/bin/env node
// Entry point of `npx s3size`: runs the TypeScript CLI directly through tsx, so there is no build step
// between `npm ci` and the first command.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv);
