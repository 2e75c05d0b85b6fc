// check.mjs parses Mermaid files with Mermaid's own parser (in a jsdom
// window) and exits 1 if any fails. Used by cmd/hops's
// TestSequenceParsesInMermaid; install with `npm ci` in this folder
// (scripts/test-deps.sh does when npm is there).
//
//   node check.mjs FILE.mmd ...
import { JSDOM } from 'jsdom';
import fs from 'fs';

const dom = new JSDOM('<!DOCTYPE html><body></body>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });
let bad = 0;
for (const f of process.argv.slice(2)) {
  try {
    await mermaid.parse(fs.readFileSync(f, 'utf8'));
    console.log('ok', f);
  } catch (e) {
    bad++;
    console.log('FAIL', f, String(e.message || e));
  }
}
process.exit(bad ? 1 : 0);
