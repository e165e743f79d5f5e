import assert from 'assert';
import { freshDb } from '../support/mongo';
import { FollowUpWakeUp } from '../../src/followups/followUpWakeUp';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('FollowUpWakeUp: a wake-up asked for while a run ends', () => {
    it("is never lost to the run's completion write: 20 wake-ups collided with the end of a run, 20 kept", async function () {
        this.timeout(90_000);
        const mongo = await freshDb();
        const wakeUp = new FollowUpWakeUp();
        const rounds = 20;
        let runs = 0;
        let collide = false;
        let kept = 0;
        let lost = 0;
        try {
            await wakeUp.open({
                db: mongo.db,
                prefix: 'race',
                send: true,
                processEvery: 60_000,
                now: Date.now,
                warn: (err) => assert.fail(String(err)),
                drain: async () => {
                    runs++;
                },
                // Nothing pending when the run looks; in a colliding round a follow-up is scheduled right after,
                // while Agenda writes the run's completion (the window between the handler's end and the write).
                nextDue: async () => {
                    if (collide) {
                        collide = false;
                        const wakeAt = new Date(Date.now() + 300);
                        setImmediate(() => wakeUp.wake(wakeAt));
                    }
                    return undefined;
                },
            });
            await sleep(500);
            for (let i = 0; i < rounds; i++) {
                // The test's wake-up runs the job (the run that collides); the follow-up it schedules as the run
                // ends is due 300 ms later and must get a run of its own.
                const before = runs;
                collide = true;
                wakeUp.wake(new Date());
                await sleep(900);
                if (runs - before >= 2) {
                    kept++;
                } else {
                    lost++;
                }
            }
            console.log(`      [race] ${rounds} wake-ups collided with a run's completion write: ${kept} kept, ${lost} lost`);
            assert.strictEqual(lost, 0);
        } finally {
            await wakeUp.stop();
            await mongo.close();
        }
    });
});
