// Draws the two Teams app icons as PNGs with node:zlib only (no image library, nothing downloaded).
// Teams requires (learn.microsoft.com/microsoftteams/platform/concepts/build-and-test/apps-package#app-icons):
// - color.png: 192×192, full colour; the glyph should sit inside a 120×120 safe area.
// - outline.png: 32×32, white glyph on a fully transparent background (no other colours).
// Run `node adapters/teams/manifest/make-icons.ts` to regenerate; the PNGs are checked in.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

type Rgba = [number, number, number, number];

/** Encodes RGBA pixels (row-major, width*height*4 bytes) as a PNG (colour type 6, 8 bits, no interlace). */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([len, typed, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * The glyph: three nodes joined by a line (a pipeline) inside a ring, in unit coordinates (0..1).
 * Returns coverage 0..1 for a point, sampled 4×4 per pixel for smooth edges.
 */
function glyph(x: number, y: number): boolean {
  const dx = x - 0.5;
  const dy = y - 0.5;
  const r = Math.hypot(dx, dy);
  const ring = r > 0.4 && r < 0.47;
  const nodes = [
    [0.3, 0.62],
    [0.5, 0.38],
    [0.7, 0.62],
  ] as const;
  const node = nodes.some(([nx, ny]) => Math.hypot(x - nx, y - ny) < 0.085);
  const onSegment = (ax: number, ay: number, bx: number, by: number) => {
    const t = Math.max(
      0,
      Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)),
    );
    return Math.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay))) < 0.03;
  };
  const line = onSegment(0.3, 0.62, 0.5, 0.38) || onSegment(0.5, 0.38, 0.7, 0.62);
  return ring || node || line;
}

function draw(size: number, background: Rgba, foreground: Rgba, inset: number): Uint8Array {
  const px = new Uint8Array(size * size * 4);
  const samples = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let hit = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const ux = (x + (sx + 0.5) / samples) / size;
          const uy = (y + (sy + 0.5) / samples) / size;
          // Scale the glyph into the safe area.
          const gx = (ux - inset) / (1 - 2 * inset);
          const gy = (uy - inset) / (1 - 2 * inset);
          if (gx >= 0 && gx <= 1 && gy >= 0 && gy <= 1 && glyph(gx, gy)) hit++;
        }
      }
      const a = hit / (samples * samples);
      const i = (y * size + x) * 4;
      for (let c = 0; c < 4; c++) {
        px[i + c] = Math.round((foreground[c] as number) * a + (background[c] as number) * (1 - a));
      }
      // Outline icon: white with varying alpha only (Teams rejects other colours).
      if (background[3] === 0) {
        px[i] = 255;
        px[i + 1] = 255;
        px[i + 2] = 255;
        px[i + 3] = Math.round(255 * a);
      }
    }
  }
  return px;
}

export const COLOR_ICON_SIZE = 192;
export const OUTLINE_ICON_SIZE = 32;

export function colorIcon(): Buffer {
  // 36 px inset on 192 px keeps the glyph inside Teams' 120×120 safe area.
  return encodePng(
    COLOR_ICON_SIZE,
    COLOR_ICON_SIZE,
    draw(COLOR_ICON_SIZE, [46, 94, 140, 255], [255, 255, 255, 255], 36 / 192),
  );
}

export function outlineIcon(): Buffer {
  return encodePng(
    OUTLINE_ICON_SIZE,
    OUTLINE_ICON_SIZE,
    draw(OUTLINE_ICON_SIZE, [255, 255, 255, 0], [255, 255, 255, 255], 0.02),
  );
}

if (import.meta.main) {
  const dir = import.meta.dirname;
  writeFileSync(join(dir, 'color.png'), colorIcon());
  writeFileSync(join(dir, 'outline.png'), outlineIcon());
}
