// The import rules that keep the architecture (STYLE habits 1 and 11, issue #15 item 7). `npm run lint:deps`.
// A rule on a folder that does not exist yet matches nothing and passes; it starts to bite when the folder lands.

/** Bot SDKs: the botbuilder binding and, later, the Microsoft 365 Agents SDK binding. */
const BOT_SDK = '(^|/)node_modules/(botbuilder|botbuilder-core|botbuilder-dialogs|botframework-[^/]+|@microsoft/agents-[^/]+)/';
/** botbuilder itself, which an Agents SDK bot does not install. */
const BOTBUILDER = '(^|/)node_modules/(botbuilder|botbuilder-core|botbuilder-dialogs|botframework-[^/]+)/';
/** Scheduler and database drivers. */
const DRIVERS = '(^|/)node_modules/(mongodb|agenda|@agendajs/[^/]+)/';
/** Libraries the core may use: no I/O of their own, no SDK. */
const PURE_LIBRARIES = '(^|/)node_modules/(@types/)?(debug|i18next|luxon|ajv)/';
/** What runs a turn or a timer; the drop-off report reads records and must not pull any of it in. */
const THE_TURN = '^src/(core/(turn|timers|flows|lifecycle)|botbuilder|followups|scheduling)(/|[.]ts$)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
    forbidden: [
        {
            name: 'no-circular',
            severity: 'error',
            comment: 'No import circles in src, type-only imports included (a type-only circle still ties two modules together).',
            from: { path: '^src/' },
            to: { circular: true },
        },
        {
            name: 'core-no-bot-sdk',
            severity: 'error',
            comment: 'src/core speaks to the bot SDK only through its ports; botbuilder lives in src/botbuilder, the Agents SDK in src/agents.',
            from: { path: '^src/core/' },
            to: { path: BOT_SDK },
        },
        {
            name: 'core-no-driver',
            severity: 'error',
            comment: 'src/core knows nothing of storage or scheduling drivers; they live in src/mongo and src/scheduling.',
            from: { path: '^src/core/' },
            to: { path: DRIVERS },
        },
        {
            name: 'core-only-core',
            severity: 'error',
            comment: 'src/core imports only src/core, Node built-ins and the pure libraries (debug, i18next, luxon, ajv).',
            from: { path: '^src/core/' },
            to: {
                dependencyTypesNot: ['core'],
                // SDKs and drivers are reported by the two rules above, once.
                pathNot: ['^src/core/', PURE_LIBRARIES, BOT_SDK, DRIVERS],
            },
        },
        {
            name: 'report-not-the-turn',
            severity: 'error',
            comment:
                'src/report is the read side: it imports nothing of the turn (core/turn, core/timers, core/flows, core/lifecycle, botbuilder, followups, scheduling).',
            from: { path: '^src/report/' },
            to: { path: THE_TURN },
        },
        {
            name: 'agents-no-botbuilder',
            severity: 'error',
            comment:
                'botbuilder-inactivity/agents and /agents/testing are for Agents SDK bots, which install no botbuilder: nothing they reach imports botbuilder or botbuilder-dialogs, type-only imports included.',
            from: { path: '^src/agents/' },
            to: { path: BOTBUILDER, reachable: true },
        },
        {
            name: 'shared-parts-no-bot-sdk',
            severity: 'error',
            comment:
                'src/followups and src/dialogs serve both entries (botbuilder and the Agents SDK): they reach a bot SDK only through the BotBinding port and the dialog library a binding passes.',
            from: { path: '^src/(followups|dialogs)/' },
            to: { path: BOT_SDK },
        },
        {
            name: 'cli-no-botbuilder',
            severity: 'error',
            comment: 'The CLI (`npx botbuilder-inactivity`) runs in an Agents SDK project too, which installs no botbuilder.',
            from: { path: '^src/cli/' },
            to: { path: BOTBUILDER, reachable: true },
        },
        {
            name: 'agents-not-the-botbuilder-binding',
            severity: 'error',
            comment: 'src/agents does not import the botbuilder binding, the botbuilder entry (src/index.ts) or its test helpers.',
            from: { path: '^src/agents/' },
            to: { path: '^src/(botbuilder/|index[.]ts$|testing/(index|buttons|inactivityTestAdapter)[.]ts$)' },
        },
        {
            name: 'agents-sample-no-botbuilder',
            severity: 'error',
            comment:
                'The Agents SDK sample (samples/agents, `npm run start:agents`) runs as an Agents SDK bot would, without botbuilder: what it reaches, the sample parts it shares with the botbuilder sample included, imports no botbuilder.',
            from: { path: '^samples/agents/' },
            to: { path: BOTBUILDER, reachable: true },
        },
        {
            name: 'testing-only-from-tests',
            severity: 'error',
            comment:
                "src/testing is the ./testing export for users' tests: the library, samples and benches do not import it (the Agents SDK's testing entry shares its TestScheduler).",
            from: { pathNot: ['^test/', '^src/testing/', '^src/agents/testing/'] },
            to: { path: '^src/testing/' },
        },
        {
            name: 'no-orphans',
            severity: 'warn',
            comment: 'A module in src that nothing imports and that imports nothing is dead code or a forgotten entry.',
            from: { orphan: true, path: '^src/', pathNot: ['[.]d[.]ts$'] },
            to: {},
        },
    ],
    options: {
        // Type-only imports count: `import type` circles are how src/cli/main.ts <-> src/cli/reportCommand.ts hid one.
        tsPreCompilationDeps: true,
        tsConfig: { fileName: 'tsconfig.json' },
        doNotFollow: { path: 'node_modules' },
        exclude: { path: ['^dist/', '^test/readme/fixtures/', '^tools/empty-package/'] },
        enhancedResolveOptions: {
            exportsFields: ['exports'],
            conditionNames: ['types', 'require', 'node', 'default'],
            extensions: ['.ts', '.d.ts', '.js', '.json'],
        },
        reporterOptions: {
            text: { highlightFocused: true },
        },
    },
};
