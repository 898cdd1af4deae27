// Encodes the canvas's raw pixels as PNG with node:zlib. Skia's own encoder offers no compression
// level and spends 18–45 ms on a 1000×560 chart, most of it choosing filters and compressing hard;
// a chart is flat colour, so unfiltered rows (repeated rows as zeros) at a low deflate level come
// out about as small in a tenth of the time (the figures are in the closing note of issue 14).
import zlib from "node:zlib";

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const COLOR_TYPE_RGB = 2;
const COLOR_TYPE_RGBA = 6;
const FILTER_NONE = 0;
const FILTER_UP = 2;
/**
 * zlib level 3: on the bench's charts as fast as level 1 (levels 1–3 share zlib's fast matcher)
 * and 6–20% smaller, within 1.25× of Skia's size for the same pixels where level 1 was not (1.41×
 * on the 1,000-record chart); level 4 and up (lazy matching) costs twice the time. Filtering every
 * row in JavaScript (Sub, Up, or a choice per row) cost 2–4 ms more than it saved in zlib.
 */
export const PNG_DEFLATE_LEVEL = 3;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export interface RawImage {
  width: number;
  height: number;
  /** Straight (not premultiplied) RGBA, row after row, as `canvas.data()` and getImageData give it. */
  rgba: Uint8Array;
}

/**
 * A PNG of the pixels: 8-bit RGB when every pixel is opaque (a chart on its white background is),
 * RGBA otherwise, so it always decodes to exactly these pixels. Charts have far more than 256
 * colours once text and lines are anti-aliased (about 900 in the bench's), so a palette would lose
 * colours.
 */
export function encodePng({ width, height, rgba }: RawImage): Buffer {
  if (rgba.length !== width * height * 4) {
    throw new Error(`encodePng: ${rgba.length} bytes is not ${width}×${height} RGBA pixels`);
  }
  // The word-wise packing reads pixels as little-endian words; any other machine keeps RGBA.
  const rgb = LITTLE_ENDIAN ? opaqueRgbScanlines(rgba, width, height) : undefined;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = rgb ? COLOR_TYPE_RGB : COLOR_TYPE_RGBA;
  // compression 0 (deflate), filter method 0, interlace 0: already zero.
  const scanlines = rgb ?? rgbaScanlines(rgba, width, height);
  return Buffer.concat([
    SIGNATURE,
    chunk("IHDR", header),
    // The canvas draws in sRGB; saying so (as Skia's encoder does) keeps browsers from guessing.
    chunk("sRGB", Buffer.from([0])),
    chunk("IDAT", zlib.deflateSync(scanlines, { level: PNG_DEFLATE_LEVEL })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/**
 * Each row as filter byte 0 then R, G, B per pixel, or undefined as soon as a row holds a pixel
 * that is not opaque. A row identical to the one above (30–55 % of a chart's: margins, the plot
 * between its lines) is written as filter 2, Up, which makes it all zeros: found by a native
 * compare, it skips the packing, and zlib gets through zeros faster and smaller (43.7 against
 * 47.3 KB for the demo chart). Each other row is built in a word-aligned buffer (the rows in the
 * output, one filter byte apart, are not aligned) and copied in.
 */
function opaqueRgbScanlines(rgba: Uint8Array, width: number, height: number): Buffer | undefined {
  // A word view needs a word-aligned start; canvas.data() has one, a slice of a pooled Buffer may not.
  const aligned = rgba.byteOffset % 4 === 0 ? rgba : new Uint8Array(rgba);
  const pixels = new Uint32Array(aligned.buffer, aligned.byteOffset, width * height);
  const bytes = Buffer.from(aligned.buffer, aligned.byteOffset, aligned.byteLength);
  const row = width * 4;
  const stride = width * 3 + 1;
  const out = scratch(stride * height);
  const rowWords = new Uint32Array(Math.ceil((width * 3) / 4));
  const rowBytes = new Uint8Array(rowWords.buffer, 0, width * 3);
  for (let y = 0; y < height; y++) {
    if (y > 0 && bytes.compare(bytes, (y - 1) * row, y * row, y * row, (y + 1) * row) === 0) {
      out[y * stride] = FILTER_UP;
      out.fill(0, y * stride + 1, (y + 1) * stride);
      continue;
    }
    if (!packOpaqueRow(pixels, y * width, width, rowWords)) return undefined;
    out[y * stride] = FILTER_NONE;
    out.set(rowBytes, y * stride + 1);
  }
  return out;
}

/**
 * One row's pixels (little-endian words 0xAABBGGRR) as RGB bytes, four pixels to three words, about
 * twice as fast as byte by byte; false when one is not opaque. A function per row rather than one
 * loop over the image, because V8 optimises a small function called 560 times sooner than it
 * swaps a long-running loop for optimised code: a cold process spends about half as long here.
 */
function packOpaqueRow(pixels: Uint32Array, first: number, width: number, rowWords: Uint32Array): boolean {
  const whole = first + width - (width % 4);
  let alpha = 0xff000000;
  let k = 0;
  let i = first;
  for (; i < whole; i += 4) {
    const p0 = pixels[i]!;
    const p1 = pixels[i + 1]!;
    const p2 = pixels[i + 2]!;
    const p3 = pixels[i + 3]!;
    alpha &= p0 & p1 & p2 & p3;
    rowWords[k++] = (p0 & 0xffffff) | (p1 << 24);
    rowWords[k++] = ((p1 >>> 8) & 0xffff) | (p2 << 16);
    rowWords[k++] = ((p2 >>> 16) & 0xff) | (p3 << 8);
  }
  if (i < first + width) {
    const rowBytes = new Uint8Array(rowWords.buffer);
    for (let x = i - first; i < first + width; i++, x++) {
      const p = pixels[i]!;
      alpha &= p;
      rowBytes[x * 3] = p & 0xff;
      rowBytes[x * 3 + 1] = (p >>> 8) & 0xff;
      rowBytes[x * 3 + 2] = (p >>> 16) & 0xff;
    }
  }
  return alpha >>> 24 === 0xff;
}

/** Each row as filter byte 0 then the RGBA bytes as they are. */
function rgbaScanlines(rgba: Uint8Array, width: number, height: number): Buffer {
  const row = width * 4;
  const out = scratch((row + 1) * height);
  for (let y = 0; y < height; y++) {
    out[y * (row + 1)] = FILTER_NONE;
    out.set(rgba.subarray(y * row, (y + 1) * row), y * (row + 1) + 1);
  }
  return out;
}

let scanlineBuffer = Buffer.alloc(0);

/**
 * The scanlines' buffer, kept from one chart to the next: a fresh 1.7 MB buffer costs about 1 ms
 * of page faults each time. Safe because encoding is synchronous and deflate copies out of it.
 */
function scratch(bytes: number): Buffer {
  if (scanlineBuffer.length < bytes) scanlineBuffer = Buffer.allocUnsafe(bytes);
  return scanlineBuffer.subarray(0, bytes);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** node:zlib has crc32 from Node 20.15 and 22.2; the table below serves the 20.12–20.14 the package allows. */
export function crc32(bytes: Uint8Array): number {
  return typeof zlib.crc32 === "function" ? zlib.crc32(bytes) >>> 0 : crc32Table(bytes);
}

let table: Uint32Array | undefined;

export function crc32Table(bytes: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of bytes) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
