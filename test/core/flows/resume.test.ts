import assert from 'assert';
import { Activity, TurnContext } from 'botbuilder';
import { DialogState } from 'botbuilder-dialogs';
import type { Db } from 'mongodb';
import type { SnapshotStore } from '../../../src';
import { mongoRigs } from '../../support/mongoRig';
import { buttons, Rig, texts } from '../../support/testBot';

const MIN = 60_000;
const HOUR = 60 * MIN;

const ASK_NAME = "What's the client's name?";
const OFFER =
    'Welcome back! You were adding Maria Silva (step 2 of 3). Would you like to pick up where you left off? Or answer the question above to start fresh.';
const RESUMED = 'Here we go, picking up where you left off.';
const STALE_OFFER = "That offer is no longer available, so I didn't change anything.";
const DONE = 'Done! Maria Silva (Group classes) is added. Contact: maria@example.com.';
const UNAVAILABLE = "I couldn't reach your saved answers just now, so I didn't change anything. Please try the button again in a moment.";

const rigs = mongoRigs();
const setup = rigs.setup;

const snapshots = (db: Db) => db.collection('inactivitySnapshots');
const events = (db: Db) => db.collection('inactivityEvents');

/** Starts the flow, gives the name, then stays quiet through the reminder and the close. */
async function abandonAtStep2(rig: Rig, name = 'Maria Silva'): Promise<Array<Partial<Activity>>> {
    assert.deepStrictEqual(texts(await rig.say('add client')), [ASK_NAME]);
    assert.match(texts(await rig.say(name))[0], new RegExp(`^What kind of client is ${name}\\?`));
    const [reminder] = await rig.fireAt();
    assert.match(reminder.text ?? '', /^Still there\?/);
    return rig.fireAt();
}

/** "add client" again: the new run's first question, then the offer. Returns the offer. */
async function getOffer(rig: Rig, from?: { userId?: string; conversationId?: string }): Promise<Partial<Activity>> {
    const sent = await rig.say('add client', undefined, from);
    assert.deepStrictEqual(texts(sent), [ASK_NAME, OFFER]);
    return sent[1];
}

const resumeButton = (offer: Partial<Activity>) => buttons(offer)[0];
const freshButton = (offer: Partial<Activity>) => buttons(offer)[1];

/** The conversation's dialog state, as the bot will read it on the next turn. */
async function dialogStateOf(rig: Rig, conversationId?: string): Promise<DialogState> {
    const ref = rig.adapter.conversation;
    const ctx = new TurnContext(rig.adapter, { ...ref, type: 'message', conversation: { ...ref.conversation, id: conversationId ?? ref.conversation.id } });
    return structuredClone((await rig.dialogState.get(ctx, { dialogStack: [] })) as DialogState);
}

/**
 * Makes the rig's snapshot store answer claims late: the claim is written at once, but its answer waits until
 * the returned `answer()` is called. Returns `answer` and `restore`.
 */
function delayClaims(rig: Rig): { answer(): void; restore(): void } {
    const store = (rig.inactivity as unknown as { engine: { plugin: { snapshots: SnapshotStore } } }).engine.plugin.snapshots;
    const claim = store.claim.bind(store);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    store.claim = (...args) => claim(...args).then(async (s) => (await gate, s));
    return { answer: () => open(), restore: () => void (store.claim = claim) };
}

/** Waits (polling the database) until the only snapshot has a status. */
async function statusBecomes(db: Db, status: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 100; i++) {
        const snap = await snapshots(db).findOne();
        if (snap?.status === status) {
            return snap;
        }
        await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`the snapshot never became ${status}: ${JSON.stringify(await snapshots(db).findOne())}`);
}

/** The add-client waterfall's frame: `{ stepIndex, values }`. */
function waterfall(state: DialogState): { stepIndex?: number; values?: Record<string, unknown> } | undefined {
    const inner = (state.dialogStack[0]?.state as { dialogs?: DialogState } | undefined)?.dialogs?.dialogStack;
    return inner?.[0]?.state as { stepIndex?: number; values?: Record<string, unknown> } | undefined;
}

describe('resume of abandoned flows (TestAdapter + MongoDB stores)', () => {
    afterEach(() => rigs.closeAll());

    it('running: a flow in progress has no snapshot and no abandonment event', async () => {
        const { rig, db } = await setup();
        await rig.say('add client');
        await rig.say('Maria Silva');
        assert.strictEqual(await snapshots(db).countDocuments(), 0);
        assert.strictEqual(await events(db).countDocuments(), 0);
        assert.strictEqual(rig.scheduler.armed.size, 1, 'its timer is armed');
    });

    it('completed: a finished flow leaves nothing to resume', async () => {
        const { rig, db } = await setup();
        await rig.say('add client');
        await rig.say('Maria Silva');
        await rig.say('Group classes');
        assert.deepStrictEqual(texts(await rig.say('maria@example.com')), [DONE]);
        assert.deepStrictEqual(texts(await rig.say('add client')), [ASK_NAME], 'no offer');
        assert.strictEqual(await snapshots(db).countDocuments(), 0);
        assert.strictEqual(await events(db).countDocuments(), 0);
    });

    it('abandoned: closing for inactivity saves a snapshot and records a timeout event with field names only', async () => {
        const { rig, db } = await setup();
        const closed = await abandonAtStep2(rig);
        assert.match(closed[0].text ?? '', /^I closed this because it was quiet for a while\. Your answers are saved for 24 hours/);
        const snaps = await snapshots(db).find().toArray();
        assert.strictEqual(snaps.length, 1);
        assert.strictEqual(snaps[0].status, 'abandoned');
        assert.strictEqual(snaps[0].reason, 'timeout');
        assert.strictEqual(snaps[0].expiresAt, rig.clock.now + 24 * HOUR);
        const evs = await events(db).find().toArray();
        assert.strictEqual(evs.length, 1);
        const ev = evs[0];
        assert.strictEqual(ev.reason, 'timeout');
        assert.strictEqual(ev.reminderSent, true);
        assert.deepStrictEqual(ev.fieldsCollected, ['name']);
        assert.strictEqual(ev.flowId, 'addClient');
        assert.strictEqual(ev.stepId, 'type');
        assert.strictEqual(ev.snapshotId, snaps[0].snapshotId);
        assert.strictEqual(ev.resumed, false);
        assert.ok(!JSON.stringify(ev).includes('Maria'), `no collected value in the event: ${JSON.stringify(ev)}`);
    });

    it('resumed: "add client" again offers Resume / Start fresh; Resume restores the flow and finishes it', async () => {
        const { rig, db } = await setup();
        await abandonAtStep2(rig);
        rig.clock.now += 2 * HOUR;
        const offer = await getOffer(rig);
        assert.deepStrictEqual(
            buttons(offer).map((b) => b.title),
            ['Resume Maria Silva', 'Start fresh']
        );
        const resume = resumeButton(offer);
        const answer = texts(await rig.say(resume.title, resume.value));
        assert.strictEqual(answer[0], RESUMED);
        assert.match(answer[1], /^What kind of client is Maria Silva\?/);
        assert.strictEqual(answer.length, 2);
        assert.strictEqual((await snapshots(db).findOne())?.status, 'resumed');
        const ev = await events(db).findOne();
        assert.strictEqual(ev?.resumed, true);
        assert.ok(ev?.resumedAt instanceof Date);
        assert.deepStrictEqual(texts(await rig.say('Group classes')), ['How can we reach Maria Silva? Send an email address or a phone number.']);
        assert.deepStrictEqual(texts(await rig.say('maria@example.com')), [DONE]);
        assert.deepStrictEqual(texts(await rig.say('add client')), [ASK_NAME], 'a resumed snapshot is not offered again');
    });

    it('discarded: Start fresh asks the name again and the old flow is never offered again', async () => {
        const { rig, db } = await setup();
        await abandonAtStep2(rig);
        const offer = await getOffer(rig);
        const fresh = freshButton(offer);
        assert.deepStrictEqual(texts(await rig.say(fresh.title, fresh.value)), ['OK, starting fresh.', ASK_NAME]);
        assert.strictEqual((await snapshots(db).findOne())?.status, 'discarded');
        assert.strictEqual((await events(db).findOne())?.resumed, false);
        assert.match(texts(await rig.say('Ann Lee'))[0], /^What kind of client is Ann Lee\?/);
        await rig.say('Online coaching');
        assert.deepStrictEqual(texts(await rig.say('ann@example.com')), ['Done! Ann Lee (Online coaching) is added. Contact: ann@example.com.']);
        assert.deepStrictEqual(texts(await rig.say('add client')), [ASK_NAME], 'no offer');
        // The Resume button of the discarded offer restores nothing either.
        assert.deepStrictEqual(texts(await rig.say('Resume Maria Silva', resumeButton(offer).value)), [STALE_OFFER]);
        assert.strictEqual(waterfall(await dialogStateOf(rig))?.values?.name, undefined);
    });

    // Regression: answering the question at the offer (which says that starts fresh) left the old flow abandoned,
    // and it was offered again the next time.
    it('discarded: typing an answer at the offer starts fresh, and the old flow is never offered again', async () => {
        const { rig, db } = await setup();
        await abandonAtStep2(rig);
        const offer = await getOffer(rig);
        assert.match(texts(await rig.say('Ann Lee'))[0], /^What kind of client is Ann Lee\?/);
        const snap = await snapshots(db).findOne();
        assert.strictEqual(snap?.status, 'discarded');
        assert.strictEqual(snap?.dialogStateJson, undefined, 'its data is dropped');
        await rig.say('Online coaching');
        assert.deepStrictEqual(texts(await rig.say('ann@example.com')), ['Done! Ann Lee (Online coaching) is added. Contact: ann@example.com.']);
        assert.deepStrictEqual(texts(await rig.say('add client')), [ASK_NAME], 'no offer');
        assert.deepStrictEqual(texts(await rig.say('Resume Maria Silva', resumeButton(offer).value)), [STALE_OFFER]);
    });

    // Regression: a Resume whose claim outlived schedulerTimeout told the user "no longer available... nothing
    // changed", and the claim then completed anyway: the saved flow was marked resumed and its data dropped.
    it('a Resume click whose claim answers after schedulerTimeout: the user is told nothing changed, and nothing did', async () => {
        const { rig, db } = await setup({ schedulerTimeout: 200 });
        await abandonAtStep2(rig);
        const offer = await getOffer(rig);
        const slow = delayClaims(rig);
        const resume = resumeButton(offer);
        assert.deepStrictEqual(texts(await rig.say(resume.title, resume.value)), [UNAVAILABLE]);
        assert.strictEqual(waterfall(await dialogStateOf(rig))?.values?.name, undefined, 'nothing restored');
        await statusBecomes(db, 'resumed'); // the claim itself went through; only its answer is late
        slow.answer();
        const snap = await statusBecomes(db, 'abandoned');
        assert.ok(typeof snap.dialogStateJson === 'string' && snap.dialogStateJson.includes('Maria Silva'), 'the saved answers are back');
        assert.strictEqual((await events(db).findOne())?.resumed, false);
        assert.match(rig.errors[0]?.message ?? '', /Gave up waiting for MongoDB to claim the saved flow/);
        rig.errors.length = 0;
        slow.restore();
        // The button still works, as the user was told.
        const answer = texts(await rig.say(resume.title, resume.value));
        assert.strictEqual(answer[0], RESUMED);
        assert.match(answer[1], /^What kind of client is Maria Silva\?/);
        assert.strictEqual((await snapshots(db).findOne())?.status, 'resumed');
    });

    it('a Start fresh click whose claim answers late leaves the saved flow as it was', async () => {
        const { rig, db } = await setup({ schedulerTimeout: 200 });
        await abandonAtStep2(rig);
        const offer = await getOffer(rig);
        const slow = delayClaims(rig);
        assert.deepStrictEqual(texts(await rig.say('Start fresh', freshButton(offer).value)), [UNAVAILABLE]);
        await statusBecomes(db, 'discarded');
        slow.answer();
        const snap = await statusBecomes(db, 'abandoned');
        assert.ok(typeof snap.dialogStateJson === 'string' && snap.dialogStateJson.includes('Maria Silva'));
        rig.errors.length = 0;
    });

    it('expired: past the default 24-hour window nothing is offered, and a start-up sweep marks it expired', async () => {
        const { rig, db } = await setup();
        await abandonAtStep2(rig);
        rig.clock.now += 24 * HOUR + MIN;
        assert.deepStrictEqual(texts(await rig.say('add client')), [ASK_NAME]);
        await rig.inactivity.stop();
        await rig.inactivity.start();
        const snap = await snapshots(db).findOne();
        assert.strictEqual(snap?.status, 'expired');
        assert.strictEqual(snap?.dialogStateJson, undefined, 'its data is dropped');
    });

    it('expired: a shorter resumeWindow option is honoured (offered before it ends, not after)', async () => {
        const { rig } = await setup({ resumeWindow: '1 hour' });
        const closed = await abandonAtStep2(rig);
        assert.match(closed[0].text ?? '', /Your answers are saved for 1 hour/);
        rig.clock.now += 59 * MIN;
        await getOffer(rig);
        // The same story on a second bot, coming back just past the window.
        const { rig: other } = await setup({ resumeWindow: '1 hour' });
        await abandonAtStep2(other);
        other.clock.now += HOUR + 1000;
        assert.deepStrictEqual(texts(await other.say('add client')), [ASK_NAME]);
    });

    it('expired: a Resume click after the window answers kindly and restores nothing', async () => {
        const { rig, db } = await setup();
        await abandonAtStep2(rig);
        rig.clock.now += 23 * HOUR;
        const offer = await getOffer(rig);
        rig.clock.now += 2 * HOUR;
        const resume = resumeButton(offer);
        assert.deepStrictEqual(texts(await rig.say(resume.title, resume.value)), [STALE_OFFER]);
        const wf = waterfall(await dialogStateOf(rig));
        assert.strictEqual(wf?.stepIndex, 0, 'still at the new run’s first question');
        assert.strictEqual(wf?.values?.name, undefined, 'Maria is not restored');
        assert.strictEqual((await snapshots(db).findOne())?.status, 'abandoned', 'not claimed');
        assert.strictEqual((await events(db).findOne())?.resumed, false);
    });

    it('replay: the Resume payload clicked twice restores once; the second click changes nothing', async () => {
        const { rig } = await setup();
        await abandonAtStep2(rig);
        const offer = await getOffer(rig);
        const resume = resumeButton(offer);
        assert.strictEqual(texts(await rig.say(resume.title, resume.value))[0], RESUMED);
        await rig.say('Group classes');
        const before = await dialogStateOf(rig);
        assert.strictEqual(waterfall(before)?.stepIndex, 2, 'at the contact step');
        assert.deepStrictEqual(texts(await rig.say(resume.title, resume.value)), [STALE_OFFER]);
        assert.deepStrictEqual(await dialogStateOf(rig), before, 'the flow was not set back to the saved step');
        assert.deepStrictEqual(texts(await rig.say('maria@example.com')), [DONE]);
    });

    it("replay: another user in another conversation clicking Maria's Resume payload sees nothing of her, and their state is unchanged", async () => {
        const { rig, db } = await setup();
        await abandonAtStep2(rig);
        const offer = await getOffer(rig);
        const mallory = { userId: 'mallory', conversationId: 'mallory-conversation' };
        await rig.say('add client', undefined, mallory);
        await rig.say('Bob Stone', undefined, mallory);
        const before = await dialogStateOf(rig, mallory.conversationId);
        const sent = await rig.say(resumeButton(offer).title, resumeButton(offer).value, mallory);
        assert.deepStrictEqual(texts(sent), [STALE_OFFER]);
        assert.ok(!JSON.stringify(sent).includes('Maria'), 'nothing of Maria is sent to another user');
        assert.deepStrictEqual(await dialogStateOf(rig, mallory.conversationId), before);
        assert.strictEqual((await snapshots(db).findOne())?.status, 'abandoned', 'not claimed');
        assert.match(texts(await rig.say('Personal training', undefined, mallory))[0], /^How can we reach Bob Stone\?/);
        // Maria's own button still works.
        assert.strictEqual(texts(await rig.say(resumeButton(offer).title, resumeButton(offer).value))[0], RESUMED);
    });

    it('another user starting the same flow is offered nothing of Maria', async () => {
        const { rig } = await setup();
        await abandonAtStep2(rig);
        const sent = await rig.say('add client', undefined, { userId: 'mallory', conversationId: 'mallory-conversation' });
        assert.deepStrictEqual(texts(sent), [ASK_NAME]);
    });

    it('a new conversation of the same user is offered the flow and can resume it', async () => {
        const { rig, db } = await setup();
        await abandonAtStep2(rig);
        const userId = rig.adapter.conversation.user?.id;
        const next = { userId, conversationId: 'second-conversation' };
        const offer = await getOffer(rig, next);
        const resume = resumeButton(offer);
        const answer = texts(await rig.say(resume.title, resume.value, next));
        assert.strictEqual(answer[0], RESUMED);
        assert.match(answer[1], /^What kind of client is Maria Silva\?/);
        assert.strictEqual((await snapshots(db).findOne())?.status, 'resumed');
        await rig.say('Group classes', undefined, next);
        assert.deepStrictEqual(texts(await rig.say('maria@example.com', undefined, next)), [DONE]);
    });

    it('the same flow offered in two conversations of the user is restored in one only', async () => {
        const { rig } = await setup();
        await abandonAtStep2(rig);
        const userId = rig.adapter.conversation.user?.id;
        const phone = { userId, conversationId: 'on-the-phone' };
        const laptop = { userId, conversationId: 'on-the-laptop' };
        const offerPhone = await getOffer(rig, phone);
        const offerLaptop = await getOffer(rig, laptop);
        assert.strictEqual(texts(await rig.say('Resume Maria Silva', resumeButton(offerLaptop).value, laptop))[0], RESUMED);
        assert.deepStrictEqual(texts(await rig.say('Resume Maria Silva', resumeButton(offerPhone).value, phone)), [STALE_OFFER]);
        assert.strictEqual(waterfall(await dialogStateOf(rig, phone.conversationId))?.values?.name, undefined, 'nothing restored on the phone');
        assert.strictEqual(waterfall(await dialogStateOf(rig, laptop.conversationId))?.values?.name, 'Maria Silva');
    });

    it("the handoff final action records reason 'handoff' and saves no snapshot", async () => {
        const { rig, db } = await setup({ finalAction: 'handoff' });
        const sent = await abandonAtStep2(rig);
        assert.ok(sent.some((a) => a.type === 'event' && a.name === 'handoff.initiate'));
        const evs = await events(db).find().toArray();
        assert.deepStrictEqual(
            evs.map((e) => [e.reason, e.reminderSent, e.fieldsCollected]),
            [['handoff', true, ['name']]]
        );
        assert.strictEqual(evs[0].snapshotId, undefined);
        assert.strictEqual(await snapshots(db).countDocuments(), 0);
        assert.deepStrictEqual(texts(await rig.say('add client')), [ASK_NAME], 'nothing to resume');
    });

    it("Start over on the reminder records reason 'userCancelled'", async () => {
        const { rig, db } = await setup();
        await rig.say('add client');
        await rig.say('Maria Silva');
        const [reminder] = await rig.fireAt();
        const restart = buttons(reminder)[1];
        assert.deepStrictEqual(texts(await rig.say(restart.title, restart.value)), ["No problem, let's start over.", ASK_NAME]);
        const evs = await events(db).find().toArray();
        assert.deepStrictEqual(
            evs.map((e) => [e.reason, e.reminderSent, e.fieldsCollected, e.stepId]),
            [['userCancelled', true, ['name'], 'type']]
        );
        assert.strictEqual(await snapshots(db).countDocuments(), 0);
    });

    it('a flow left in a one-to-one chat is not offered in a group chat, and a group flow only in its group', async () => {
        const { rig } = await setup();
        const me = rig.adapter.conversation.user?.id as string;
        await abandonAtStep2(rig);
        const channel = { userId: me, conversationId: 'team-channel', isGroup: true };
        assert.deepStrictEqual(texts(await rig.say('add client', undefined, channel)), [ASK_NAME], 'no offer of the 1:1 flow in a group');
        await rig.say('Ana Costa', undefined, channel);
        await rig.fireAt();
        await rig.fireAt();
        const otherGroup = { userId: me, conversationId: 'other-channel', isGroup: true };
        assert.deepStrictEqual(texts(await rig.say('add client', undefined, otherGroup)), [ASK_NAME], 'not in another group');
        const inItsGroup = texts(await rig.say('add client', undefined, channel));
        assert.strictEqual(inItsGroup[0], ASK_NAME);
        assert.match(inItsGroup[1] ?? '', /^Welcome back! You were adding Ana Costa/, 'offered in its own group');
    });
});
