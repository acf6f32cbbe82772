/**
 * Headless Chromium (the Debian package, /usr/bin/chromium) for the report tests: it loads a local
 * HTML file offline, and we read back the rendered DOM, the console (Chromium logs every console
 * message, CSP violations included, as `:CONSOLE` lines with --enable-logging=stderr) and a
 * screenshot, decoded here with node:zlib (PNG: https://www.w3.org/TR/png-3/ — IHDR, IDAT, filters 0-4).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';

export const CHROMIUM = '/usr/bin/chromium';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--enable-logging=stderr', '--v=0'];

export interface BrowserRun {
  /** The DOM after load (`--dump-dom`). */
  readonly dom: string;
  /** Console messages of the page (errors, warnings, CSP violations, logs). */
  readonly console: string[];
  /** The decoded screenshot. */
  readonly png: DecodedPng;
}

/** Loads `file` twice (one run dumps the DOM, one takes the screenshot) in a fresh profile each time. */
export function openInChromium(file: string, size = '1200,1600'): BrowserRun {
  const dir = mkdtempSync(join(tmpdir(), 'chromium-'));
  try {
    const url = `file://${file}`;
    const run = (extra: string[], profile: string) => {
      const r = spawnSync(CHROMIUM, [...FLAGS, `--user-data-dir=${join(dir, profile)}`, `--window-size=${size}`, ...extra, url], { encoding: 'utf8', timeout: 90_000 });
      if (r.error) throw r.error;
      return r;
    };
    const domRun = run(['--dump-dom'], 'a');
    const shot = join(dir, 'shot.png');
    const shotRun = run([`--screenshot=${shot}`], 'b');
    if (!existsSync(shot)) throw new Error(`chromium wrote no screenshot: ${shotRun.stderr.slice(-2000)}`);
    const consoleLines = [domRun.stderr, shotRun.stderr].join('\n').split('\n').filter((l) => /:CONSOLE[:(]/.test(l));
    return { dom: domRun.stdout, console: consoleLines, png: decodePng(readFileSync(shot)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface DecodedPng {
  readonly width: number;
  readonly height: number;
  /** RGBA, 4 bytes per pixel. */
  readonly rgba: Uint8Array;
}

/** Decodes an 8-bit, non-interlaced RGB / RGBA / grey PNG. */
export function decodePng(buf: Buffer): DecodedPng {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let pos = 8;
  let width = 0; let height = 0; let colorType = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[12] !== 0) throw new Error('only 8-bit non-interlaced PNGs are decoded');
      colorType = data[9];
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
    pos += 12 + len;
  }
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (!channels) throw new Error(`unsupported PNG colour type ${colorType}`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(width * height * 4);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = new Uint8Array(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? line[i - channels] : 0;
      const b = prev[i];
      const c = i >= channels ? prev[i - channels] : 0;
      let add = 0;
      if (filter === 1) add = a;
      else if (filter === 2) add = b;
      else if (filter === 3) add = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a); const pb = Math.abs(p - b); const pc = Math.abs(p - c);
        add = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      line[i] = (line[i] + add) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const s = x * channels;
      if (channels >= 3) {
        out[o] = line[s]; out[o + 1] = line[s + 1]; out[o + 2] = line[s + 2]; out[o + 3] = channels === 4 ? line[s + 3] : 255;
      } else {
        out[o] = out[o + 1] = out[o + 2] = line[s]; out[o + 3] = channels === 2 ? line[s + 1] : 255;
      }
    }
    prev = line;
  }
  return { width, height, rgba: out };
}

/** Pixels matching a predicate on (r, g, b). */
export function countPixels(png: DecodedPng, match: (r: number, g: number, b: number) => boolean): number {
  let n = 0;
  for (let i = 0; i < png.rgba.length; i += 4) if (match(png.rgba[i], png.rgba[i + 1], png.rgba[i + 2])) n++;
  return n;
}

/** Near-white (the page background counts as white too). */
export const isWhite = (r: number, g: number, b: number) => r > 240 && g > 240 && b > 240;
/** Close to a colour (per channel). */
export const near = (hex: string, tolerance = 40) => {
  const [R, G, B] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return (r: number, g: number, b: number) => Math.abs(r - R) <= tolerance && Math.abs(g - G) <= tolerance && Math.abs(b - B) <= tolerance;
};
