// harcheck.mjs validates HAR files with har-validator (and its
// har-schema, the HAR 1.2 JSON schemas by Ahmad Nassri) and exits 1 if
// any fails. Used by cmd/hops's TestHARPassesHarValidator.
//
//   node harcheck.mjs FILE.har ...
import fs from 'fs';
import { createRequire } from 'module';

const require = createRequire(import.meta.url);
const validate = require('har-validator');
let bad = 0;
for (const f of process.argv.slice(2)) {
  try {
    await validate.har(JSON.parse(fs.readFileSync(f, 'utf8')));
    console.log('ok', f);
  } catch (e) {
    bad++;
    console.log('FAIL', f, JSON.stringify(e.errors || String(e)));
  }
}
process.exit(bad ? 1 : 0);
