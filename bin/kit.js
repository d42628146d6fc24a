// Runtime entry for `require('zerosearch-kit')` (notebooks): TypeScript sources run through tsx,
// types come from package.json "types" (src/index.ts).
require('tsx/cjs');
module.exports = require('../src/index.ts');
