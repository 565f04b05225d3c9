import qrcode from 'qrcode-generator';

export interface QrPicture {
  /** Modules per side, including the quiet zone. */
  size: number;
  /** One SVG path ("M x y h1 v1 h-1 z ...") drawing every dark module in a size x size box. */
  path: string;
}

const kQuietZone = 4;

/** The QR code of `text` (error correction M, smallest version that fits) as an SVG path. */
export function qrPicture(text: string): QrPicture {
  const code = qrcode(0, 'M');
  code.addData(text, 'Byte');
  code.make();
  const count = code.getModuleCount();
  const parts: string[] = [];
  for (let row = 0; row < count; row += 1) {
    for (let col = 0; col < count; col += 1) {
      if (code.isDark(row, col)) parts.push(`M${col + kQuietZone} ${row + kQuietZone}h1v1h-1z`);
    }
  }
  return { size: count + 2 * kQuietZone, path: parts.join('') };
}
