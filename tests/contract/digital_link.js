// Every issued stamp URI checked with GS1's own Digital Link toolkit (digital-link.js): it must
// be a valid Digital Link and parse to the stamp's GTIN, lot and serial.
// Usage: node digital_link.js URIS.jsonl   (lines of {"uri", "gtin", "lot", "serial"})
'use strict';
const fs = require('fs');
const { DigitalLink } = require('digital-link.js');

let bad = 0;
let n = 0;
for (const line of fs.readFileSync(process.argv[2], 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const want = JSON.parse(line);
  n += 1;
  try {
    const dl = DigitalLink(want.uri);
    const got = {
      valid: dl.isValid(),
      gtin: dl.getIdentifier()['01'],
      lot: decodeURIComponent(dl.getKeyQualifier('10')),
      serial: decodeURIComponent(dl.getKeyQualifier('21')),
    };
    if (!got.valid || got.gtin !== want.gtin || got.lot !== want.lot || got.serial !== want.serial) {
      bad += 1;
      console.error(`${want.uri}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }
  } catch (e) {
    bad += 1;
    console.error(`${want.uri}: digital-link.js throws: ${e.message}`);
  }
}
console.log(`digital-link.js: ${n - bad} of ${n} issued URIs valid and parsed to their GTIN, lot and serial`);
process.exit(bad === 0 && n > 0 ? 0 : 1);
