// @napi-rs/canvas, opened when the first chart is drawn and without its scan of the machine's
// fonts: the chart draws only with the font it ships (font.ts), so the scan is wasted start-up work
// and would let a missing glyph fall back to a font a Lambda does not have.
import { createRequire } from "node:module";
import type * as NapiCanvas from "@napi-rs/canvas";

// Read by the package when it loads; a copy loaded earlier in this process already scanned.
process.env.DISABLE_SYSTEM_FONTS_LOAD ??= "1";

// A require call rather than an import: esbuild hoists an external package's import to the top of
// the bundle, which would open the 34 MB native library when the plotting function starts (even
// for a request it rejects) and before the line above runs.
export const { createCanvas, GlobalFonts, Path2D }: typeof NapiCanvas = createRequire(import.meta.url)(
  "@napi-rs/canvas",
);
