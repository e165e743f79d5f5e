/**
 * A bot process to kill: the sample's parts (see httpBot.ts) with their state in MongoDB, started from the
 * environment so that a test can kill -9 it and start the same bot again.
 *
 *     CRASH_BOT='{"mongoUri":"mongodb://...","port":3978,"inactivity":{...}}' node dist/test/support/crashBot.js
 *
 * Prints `ready <messagesUrl>` once it takes traffic; errors the plugin reports and errors that reach
 * onTurnError go to stderr, one line each, prefixed `onError:` and `onTurnError:`.
 */
import type { InactivityOptions } from '../../src';
import { startHttpBot } from './httpBot';

interface CrashBotConfig {
    mongoUri: string;
    port: number;
    inactivity?: Partial<InactivityOptions>;
}

async function main(): Promise<void> {
    const config = JSON.parse(process.env.CRASH_BOT ?? '') as CrashBotConfig;
    const bot = await startHttpBot({
        mongoUri: config.mongoUri,
        port: config.port,
        inactivity: config.inactivity,
        onError: (err) => process.stderr.write(`onError: ${err.message.replace(/\n/g, ' ')}\n`),
        onTurnError: (err) => process.stderr.write(`onTurnError: ${err.message.replace(/\n/g, ' ')}\n`),
    });
    process.stdout.write(`ready ${bot.messagesUrl}\n`);
    process.once('SIGTERM', () => {
        bot.stop().then(
            () => process.exit(0),
            () => process.exit(1)
        );
    });
}

main().catch((err: unknown) => {
    process.stderr.write(`could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
});
