'use strict';
// The API reports of the public entries (issue #15 item 5): one API Extractor config per entry of package.json
// "exports" in api/extractor/ (base.json is what they share), one report per entry in api/. A new entry such as
// ./agents is one more config file there.
//   node tools/api-report.js           check: fails when a report differs from the built .d.ts (npm run lint, CI)
//   node tools/api-report.js --local   write the reports (npm run api); commit them with the change
// Both read the declarations under dist/src: build them first (npm run lint and npm run api do).
const fs = require('fs');
const path = require('path');
const { Extractor, ExtractorConfig } = require('@microsoft/api-extractor');

const root = path.join(__dirname, '..');
const folder = path.join(root, 'api', 'extractor');
const localBuild = process.argv.includes('--local');

let failed = 0;
for (const file of fs
    .readdirSync(folder)
    .filter((f) => f.endsWith('.json') && f !== 'base.json')
    .sort()) {
    const config = ExtractorConfig.loadFileAndPrepare(path.join(folder, file));
    if (!fs.existsSync(config.mainEntryPointFilePath)) {
        console.error(`api-report: ${path.relative(root, config.mainEntryPointFilePath)} is missing; run \`npm run build\` first.`);
        failed++;
        continue;
    }
    const result = Extractor.invoke(config, {
        localBuild,
        // Only what needs attention: messages about the API, and the report that changed.
        messageCallback: (message) => {
            if (message.logLevel === 'info' || message.logLevel === 'verbose') message.handled = true;
        },
    });
    const report = path.relative(root, config.reportFilePath);
    if (!result.succeeded) {
        console.error(
            result.apiReportChanged
                ? `api-report: the public API of ${file.replace(/\.json$/, '')} differs from ${report}. If the change is meant, run \`npm run api\` and commit ${report}.`
                : `api-report: ${file}: ${result.errorCount} errors, ${result.warningCount} warnings.`
        );
        failed++;
    } else if (result.apiReportChanged) {
        console.log(`api-report: ${report} updated; commit it with the change.`);
    } else {
        console.log(`api-report: ${report} unchanged.`);
    }
}
process.exitCode = failed ? 1 : 0;
