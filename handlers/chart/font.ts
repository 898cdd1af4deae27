// The chart's own font: a Lambda has no system fonts, so the function ships DejaVu Sans and the chart
// draws only with it. Finding or registering it fails loudly rather than rendering invisible text.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { GlobalFonts } from "./canvas.ts";

export const CHART_FONT_FAMILY = "S3SizeSans";
/** The files the plotting zip must carry in `fonts/`, next to the bundle's `index.mjs`. */
export const CHART_FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"] as const;
export const CHART_FONT_DIR_ENV = "S3SIZE_CHART_FONT_DIR";

export interface ChartFontPaths {
  regular: string;
  bold: string;
}

/**
 * Folders to look in, in order. An explicit `S3SIZE_CHART_FONT_DIR` is the only candidate: a
 * misconfigured override should fail, not quietly fall back to another copy.
 */
export function chartFontDirCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env[CHART_FONT_DIR_ENV];
  if (override) return [path.resolve(override)];
  // Deployed: the packager puts fonts/ next to the bundle, which is what import.meta.url names then.
  const candidates = [path.resolve(fileURLToPath(new URL("./fonts/", import.meta.url)))];
  try {
    const regular = createRequire(import.meta.url).resolve(`dejavu-fonts-ttf/ttf/${CHART_FONT_FILES[0]}`);
    candidates.push(path.dirname(regular));
  } catch {
    // Not installed (as in a Lambda zip): the bundled fonts/ folder is the only source.
  }
  return candidates;
}

/** The font files to register: the first candidate folder that holds all of them. */
export function chartFontPaths(env: NodeJS.ProcessEnv = process.env): ChartFontPaths {
  const candidates = chartFontDirCandidates(env);
  const dir = candidates.find((d) => CHART_FONT_FILES.every((file) => existsSync(path.join(d, file))));
  if (!dir) {
    throw new Error(
      `Chart font not found: none of ${candidates.join(", ")} holds ${CHART_FONT_FILES.join(" and ")}. ` +
        `Install dejavu-fonts-ttf, ship them in fonts/ next to the handler, or set ${CHART_FONT_DIR_ENV}.`,
    );
  }
  return { regular: path.join(dir, CHART_FONT_FILES[0]), bold: path.join(dir, CHART_FONT_FILES[1]) };
}

let registeredFrom: ChartFontPaths | undefined;

/** Registers the chart font once per process and returns the family name to draw with. */
export function registerChartFont(env: NodeJS.ProcessEnv = process.env): string {
  if (registeredFrom) return CHART_FONT_FAMILY;
  const paths = chartFontPaths(env);
  for (const file of [paths.regular, paths.bold]) {
    if (!GlobalFonts.registerFromPath(file, CHART_FONT_FAMILY)) {
      throw new Error(`Chart font ${file} could not be loaded (not a usable TrueType font).`);
    }
  }
  if (!GlobalFonts.has(CHART_FONT_FAMILY)) {
    throw new Error(
      `Chart font family ${CHART_FONT_FAMILY} is not available after registering ${paths.regular}.`,
    );
  }
  registeredFrom = paths;
  return CHART_FONT_FAMILY;
}
