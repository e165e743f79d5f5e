import { readSampleConfig } from '../sampleConfig';
import { webChat, webChatPageUrl } from '../webChat';
import { startAgentsSample } from './agentsSampleServer';

/* The Agents SDK sample's entry point: `npm run start:agents`. */
async function main(): Promise<void> {
    const config = readSampleConfig();
    const sample = await startAgentsSample(config, [webChat()], (line) => console.log(line));
    console.log(`Try it in a browser: ${webChatPageUrl(sample.port)} (Web Chat through a local Direct Line).`);
    const shutdown = (): void => {
        sample.stop().then(
            () => process.exit(0),
            () => process.exit(1)
        );
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
    console.error(`The Agents SDK sample could not start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
});
