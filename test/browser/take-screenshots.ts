// Writes the console's screenshots in docs/ from a stack made on a fresh test cloud, as the README shows
// them: `npx tsx test/browser/take-screenshots.ts` (needs Chromium, as the browser tests do).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startTestCloud } from "../local/cloud.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH, missingBrowser } from "./browser.ts";
import { buildStack, STACK } from "./fixtures/stack.ts";

const DOCS = new URL("../../docs/", import.meta.url).pathname;
const SHOTS: Array<{ file: string; page: string }> = [
  { file: "console-s3-bucket.png", page: `s3/bucket?name=${STACK.bucket}` },
  { file: "console-lambda-function.png", page: `lambda/function?name=${STACK.tracker}` },
];

const missing = missingBrowser();
if (missing) {
  console.error(`cannot take screenshots: ${missing}`);
  process.exit(1);
}
const test = await startTestCloud();
const profile = mkdtempSync(join(tmpdir(), "s3size-screenshots-"));
try {
  await buildStack(test.clients);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  for (const shot of SHOTS) {
    await page.goto(`${test.cloud.endpoint}/_s3size/console/${shot.page}`);
    await page.screenshot({ path: join(DOCS, shot.file), fullPage: true });
    console.log(`wrote docs/${shot.file}`);
  }
  await context.close();
} finally {
  await test.stop();
  rmSync(profile, { recursive: true, force: true });
}
