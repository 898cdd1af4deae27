import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import {
  CHART_FONT_FILES,
  chartFontDirCandidates,
  chartFontPaths,
  registerChartFont,
} from "../../handlers/chart/font.ts";

describe("chart font resolution", () => {
  it("looks in fonts/ next to the module first (where the zip puts them), then the installed package", () => {
    const candidates = chartFontDirCandidates({});
    expect(candidates[0]).to.equal(path.resolve(import.meta.dirname, "../../handlers/chart/fonts"));
    expect(candidates[1]).to.match(/dejavu-fonts-ttf[\\/]ttf$/);
  });

  it("finds both DejaVu files in development", () => {
    const paths = chartFontPaths({});
    expect(path.basename(paths.regular)).to.equal(CHART_FONT_FILES[0]);
    expect(path.basename(paths.bold)).to.equal(CHART_FONT_FILES[1]);
    expect(existsSync(paths.regular) && existsSync(paths.bold)).to.equal(true);
  });

  it("treats S3SIZE_CHART_FONT_DIR as the only place to look, and names it when the fonts are not there", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "s3size-nofont-"));
    try {
      expect(chartFontDirCandidates({ S3SIZE_CHART_FONT_DIR: dir })).to.deep.equal([dir]);
      expect(() => chartFontPaths({ S3SIZE_CHART_FONT_DIR: dir })).to.throw(
        /Chart font not found: none of .*s3size-nofont-/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("registers the family the chart draws with", () => {
    expect(registerChartFont()).to.equal("S3SizeSans");
  });
});
