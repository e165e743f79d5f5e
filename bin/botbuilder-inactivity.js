#!/usr/bin/env node
'use strict';
// Thin shim so `npx botbuilder-inactivity ...` runs the compiled CLI; all logic lives in src/cli/main.ts.
const { main } = require('../dist/src/cli/main.js');

Promise.resolve()
    .then(() => main(process.argv.slice(2)))
    .then(
        (code) => {
            process.exitCode = code;
        },
        (err) => {
            process.stderr.write(`botbuilder-inactivity: ${err && err.stack ? err.stack : err}\n`);
            process.exitCode = 1;
        }
    );
