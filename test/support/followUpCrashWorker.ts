/**
 * A follow-up sender process to kill: a `FollowUpService` on its own MongoDB connection (its own Agenda, the
 * default polling interval), sending through a channel that lives in the parent process: each send is posted to the
 * parent over IPC (`{ type: 'post', id, seq, at }`) and completes when the parent answers (`{ type: 'answer', seq }`),
 * so the parent decides which sends hang. Started by bench/followUpCrash.ts.
 *
 *     FOLLOW_UP_WORKER='{"mongoUri":"mongodb://...","concurrency":2}' node dist/test/support/followUpCrashWorker.js
 *
 * Sends `{ type: 'ready' }` once started; on SIGTERM stops the service and sends `{ type: 'stopped', ms }` before
 * it exits. Errors the service reports go to stderr, one line each.
 */
import type { ConversationReference, TurnContext } from 'botbuilder';
import { FollowUpService } from '../../src/botbuilder/followUpService';

interface WorkerConfig {
    mongoUri: string;
    concurrency: number;
}

const answers = new Map<number, () => void>();
let seq = 0;

/** The proactive path the service uses: every activity posted to the parent, held until it answers. */
const adapter = {
    async continueConversationAsync(_appId: string, reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
        const sendActivities = async (activities: unknown[]) => {
            for (let i = 0; i < activities.length; i++) {
                const mine = ++seq;
                await new Promise<void>((resolve) => {
                    answers.set(mine, resolve);
                    process.send?.({ type: 'post', id: reference.conversation?.id, seq: mine, at: Date.now() });
                });
            }
            return activities.map(() => ({ id: 'x' }));
        };
        const context = {
            activity: { type: 'event', name: 'ContinueConversation', conversation: reference.conversation, channelId: reference.channelId },
            adapter,
            turnState: new Map(),
            sendActivities,
            sendActivity: async (activity: unknown) => (await sendActivities([activity]))[0],
        } as unknown as TurnContext;
        await logic(context);
    },
};

async function main(): Promise<void> {
    const config = JSON.parse(process.env.FOLLOW_UP_WORKER ?? '') as WorkerConfig;
    process.on('message', (m: { type: string; seq: number }) => {
        if (m.type === 'answer') {
            answers.get(m.seq)?.();
            answers.delete(m.seq);
        }
    });
    const service = new FollowUpService({
        mongo: config.mongoUri,
        adapter: adapter,
        quietHours: null,
        frequencyCap: 0,
        concurrency: config.concurrency,
        onError: (err) => process.stderr.write(`onError: ${err instanceof Error ? err.message : String(err)}\n`.replace(/\n(?!$)/g, ' ')),
    });
    await service.start();
    process.send?.({ type: 'ready' });
    process.once('SIGTERM', () => {
        const at = Date.now();
        service.stop().then(
            () => {
                process.send?.({ type: 'stopped', ms: Date.now() - at }, () => process.exit(0));
            },
            () => process.exit(1)
        );
    });
}

main().catch((err: unknown) => {
    process.stderr.write(`could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
});
