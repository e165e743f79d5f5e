'use strict';
// Writes dist/esm/index.mjs: an ES module that re-exports the CommonJS build by name, so
// `import { InactivityMiddleware } from 'botbuilder-inactivity'` works without a second build.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const names = Object.keys(require(path.join(root, 'dist/src/index.js'))).filter((n) => n !== 'default' && n !== '__esModule');
const out = path.join(root, 'dist/esm/index.mjs');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(
    out,
    `import cjs from '../src/index.js';\n\nexport const { ${names.join(', ')} } = cjs;\nexport default cjs;\n`
);
