// The chart's own PNG encoder: valid PNGs that decode to exactly the canvas's pixels, in pngjs and in
// Skia's decoder (the one Chromium uses), no larger than 1.25× Skia's own encoding of them.
import { randomBytes } from "node:crypto";
import zlib from "node:zlib";
import { createCanvas, loadImage } from "@napi-rs/canvas";
import { expect } from "chai";
import { PNG } from "pngjs";
import { chartInputWithPoints } from "../../bench/chart-input.ts";
import { demoChartInput } from "../../handlers/chart/demo-chart.ts";
import { crc32, crc32Table, encodePng, type RawImage } from "../../handlers/chart/png-encoder.ts";
import { drawSizeChart } from "../../handlers/chart/render-size-chart.ts";

/** The PNG's chunks in order: type and data, after checking each one's CRC. */
function chunks(png: Buffer): { type: string; data: Buffer }[] {
  const found: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString("latin1", at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length), `CRC of ${type}`).to.equal(
      zlib.crc32(png.subarray(at + 4, at + 8 + length)) >>> 0,
    );
    found.push({ type, data });
    at += 12 + length;
  }
  return found;
}

async function skiaDecoded(png: Buffer): Promise<Buffer> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(image, 0, 0);
  return Buffer.from(ctx.getImageData(0, 0, image.width, image.height).data);
}

/** Skia's own PNG of the same pixels: what the renderer wrote before it had an encoder. */
function skiaEncoded(image: RawImage): Buffer {
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext("2d");
  const data = ctx.createImageData(image.width, image.height);
  data.data.set(image.rgba);
  ctx.putImageData(data, 0, 0);
  return canvas.toBuffer("image/png");
}

describe("chart PNG encoder", () => {
  const charts: [string, RawImage][] = [
    ["the demo chart", drawSizeChart(demoChartInput)],
    ["a 1,000-record chart", drawSizeChart(chartInputWithPoints(1000))],
    ["a 10,000-record chart", drawSizeChart(chartInputWithPoints(10_000))],
  ];

  for (const [what, image] of charts) {
    it(`encodes ${what} as an RGB PNG that pngjs decodes to exactly the canvas's pixels`, () => {
      const png = encodePng(image);
      const decoded = PNG.sync.read(png);
      expect([decoded.width, decoded.height]).to.deep.equal([image.width, image.height]);
      expect(decoded.data.equals(Buffer.from(image.rgba))).to.equal(true);
      const [header] = chunks(png);
      expect(header!.data[9], "colour type").to.equal(2);
    });

    it(`encodes ${what} so that Skia's decoder, Chromium's, gives back the same pixels`, async () => {
      expect((await skiaDecoded(encodePng(image))).equals(Buffer.from(image.rgba))).to.equal(true);
    });

    it(`keeps ${what} within 1.25× the size of Skia's own PNG of the same pixels`, () => {
      expect(encodePng(image).length).to.be.at.most(1.25 * skiaEncoded(image).length);
    });
  }

  it("writes the signature, IHDR, sRGB, one IDAT and IEND, each with a correct CRC", () => {
    const png = encodePng(charts[0]![1]);
    expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).to.equal(
      true,
    );
    expect(chunks(png).map((c) => c.type)).to.deep.equal(["IHDR", "sRGB", "IDAT", "IEND"]);
  });

  it("keeps the alpha channel when a pixel is not opaque, and widths that are not a multiple of 4", () => {
    for (const width of [1, 5, 7, 8]) {
      const rgba = new Uint8Array(randomBytes(width * 3 * 4));
      for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
      const opaque = encodePng({ width, height: 3, rgba });
      expect(chunks(opaque)[0]!.data[9], `colour type at width ${width}`).to.equal(2);
      expect(PNG.sync.read(opaque).data.equals(Buffer.from(rgba)), `RGB at width ${width}`).to.equal(true);

      rgba[rgba.length - 1] = 128; // the last pixel of the last row
      const translucent = encodePng({ width, height: 3, rgba });
      expect(chunks(translucent)[0]!.data[9]).to.equal(6);
      // pngjs, not Skia: Skia premultiplies alpha on decode and rounds the colour of such a pixel.
      expect(PNG.sync.read(translucent).data.equals(Buffer.from(rgba)), `RGBA at width ${width}`).to.equal(
        true,
      );
    }
  });

  it("writes a row that repeats the one above as Up, all zeros, and still decodes to the pixels", () => {
    const width = 6;
    const rgba = new Uint8Array(randomBytes(width * 4 * 4));
    for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
    rgba.copyWithin(width * 4, 0, width * 4); // row 1 repeats row 0
    rgba.copyWithin(width * 4 * 3, width * 4 * 2, width * 4 * 3); // row 3 repeats row 2
    const png = encodePng({ width, height: 4, rgba });
    const idat = chunks(png).find((c) => c.type === "IDAT")!.data;
    const rows = zlib.inflateSync(idat);
    const stride = width * 3 + 1;
    expect([0, 1, 2, 3].map((y) => rows[y * stride])).to.deep.equal([0, 2, 0, 2]);
    expect(rows.subarray(stride + 1, 2 * stride).every((b) => b === 0)).to.equal(true);
    expect(PNG.sync.read(png).data.equals(Buffer.from(rgba))).to.equal(true);

    rgba[width * 4 * 3 - 1] = 7; // a translucent pixel in row 2, which row 3 no longer repeats
    expect(PNG.sync.read(encodePng({ width, height: 4, rgba })).data.equals(Buffer.from(rgba))).to.equal(
      true,
    );
  });

  it("reads pixels that start at an odd offset in their buffer", () => {
    const backing = Buffer.alloc(1 + 4 * 4 * 2, 255);
    const rgba = backing.subarray(1);
    rgba[0] = 10;
    expect(PNG.sync.read(encodePng({ width: 4, height: 2, rgba })).data.equals(rgba)).to.equal(true);
  });

  it("refuses pixels that do not match the size", () => {
    expect(() => encodePng({ width: 3, height: 3, rgba: new Uint8Array(10) })).to.throw(/3×3/);
  });

  it("computes the same CRC with its table as node:zlib does", () => {
    for (const bytes of [Buffer.alloc(0), Buffer.from("IEND"), randomBytes(5000)]) {
      expect(crc32Table(bytes)).to.equal(zlib.crc32(bytes) >>> 0);
      expect(crc32(bytes)).to.equal(zlib.crc32(bytes) >>> 0);
    }
  });
});
