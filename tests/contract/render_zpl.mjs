// Renders a ZPL file with Zebrash (zpl-renderer-js, a WebAssembly build of ingridhq/zebrash),
// a renderer this project did not write: one PNG per label.
// Usage: node render_zpl.mjs LABELS.zpl OUT_PREFIX WIDTH_MM HEIGHT_MM DOTS_PER_MM
import fs from "node:fs";
import { ready } from "zpl-renderer-js";

const [, , input, outPrefix, widthMm, heightMm, dpmm] = process.argv;
const { api } = await ready;
const labels = await api.zplToBase64MultipleAsync(
  fs.readFileSync(input, "utf8"),
  Number(widthMm),
  Number(heightMm),
  Number(dpmm),
);
labels.forEach((b64, i) => fs.writeFileSync(`${outPrefix}-${String(i).padStart(4, "0")}.png`, Buffer.from(b64, "base64")));
console.log(`zebrash: ${labels.length} labels rendered`);
