// Makes `require('zerosearch-kit')` / `import … from 'zerosearch-kit'` resolve to this checkout, so
// notebooks (tslab compiles only files under the notebook's folder, but type-checks packages from
// node_modules) can import the kit by name. Idempotent; never fails the install.
const fs = require('fs');
const path = require('path');
const link = path.join(__dirname, '..', 'node_modules', 'zerosearch-kit');
try {
  fs.mkdirSync(path.dirname(link), { recursive: true });
  let current = null;
  try { current = fs.readlinkSync(link); } catch { /* absent */ }
  if (current !== '..') {
    fs.rmSync(link, { recursive: true, force: true });
    fs.symlinkSync('..', link, 'dir');
  }
} catch (err) {
  console.warn(`zerosearch-kit: could not link node_modules/zerosearch-kit (${err.message}); notebooks will not find the kit`);
}
