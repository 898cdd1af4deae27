// Bundled and run by a fresh `node` for the cold-render figure: draws the 5-point chart and writes
// the PNG bytes to stdout, so the parent measures process start to PNG.
import { renderSizeChart } from "../handlers/chart/render-size-chart.ts";
import { chartInputWithPoints } from "./chart-input.ts";

process.stdout.write(renderSizeChart(chartInputWithPoints(Number(process.argv[2] ?? 5))));
