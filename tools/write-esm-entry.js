'use strict';
// Writes the ES module entries (dist/esm/index.mjs, testing.mjs, agents.mjs, agents-testing.mjs): each re-exports a CommonJS build by
// name, so `import { InactivityMiddleware } from 'botbuilder-inactivity'` works without a second build, and ES
// module and CommonJS users share one instance of the code.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const entries = [
    { cjs: 'dist/src/index.js', esm: 'dist/esm/index.mjs' },
    { cjs: 'dist/src/testing/index.js', esm: 'dist/esm/testing.mjs' },
    { cjs: 'dist/src/agents/index.js', esm: 'dist/esm/agents.mjs' },
    { cjs: 'dist/src/agents/testing/index.js', esm: 'dist/esm/agents-testing.mjs' },
];
for (const entry of entries) {
    const names = Object.keys(require(path.join(root, entry.cjs))).filter((n) => n !== 'default' && n !== '__esModule');
    const out = path.join(root, entry.esm);
    const from = path.relative(path.dirname(out), path.join(root, entry.cjs)).split(path.sep).join('/');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `import cjs from '${from}';\n\nexport const { ${names.join(', ')} } = cjs;\nexport default cjs;\n`);
}
