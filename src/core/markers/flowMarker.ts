import { InactivityConfigError } from '../errors';
export type { MarkedFlow, StepMark } from './markedFlow';
import type { ActivityLike } from '../ports/activity';
import type { MarkedFlow, StepMark } from './markedFlow';
import type { ActiveFrame, FlowInfo } from '../flows/flowInfo';
import type { FlowDefinition } from '../policy/policy';

/** The most a marked flow may weigh as JSON (values and prompt): it is stored in the conversation's state. */
export const MAX_MARKER_CHARS = 16_384;

/** Ids of flows and steps: printable, without the separators the plugin's keys use. */
const ID = /^\S{1,100}$/;

/**
 * Checks what the bot passed to `flows.step()` and makes the plain JSON copy the plugin keeps.
 *
 * @param mark What the bot passed.
 * @returns The flow as kept.
 * @throws InactivityConfigError naming what is wrong.
 */
export function checkStepMark(mark: StepMark): MarkedFlow {
    if (!mark || typeof mark !== 'object') {
        throw new InactivityConfigError('flows.step(context, mark) needs a mark: { flowId, stepId, index?, of?, values?, prompt? }.');
    }
    for (const key of ['flowId', 'stepId'] as const) {
        if (typeof mark[key] !== 'string' || !ID.test(mark[key])) {
            throw new InactivityConfigError(`flows.step(): ${key} must be a string of 1 to 100 characters without spaces; got ${JSON.stringify(mark[key])}.`);
        }
    }
    const { index, of } = mark;
    if (index !== undefined && (!Number.isInteger(index) || index < 1)) {
        throw new InactivityConfigError(`flows.step(): index is the step's number from 1; got ${JSON.stringify(index)}.`);
    }
    if (of !== undefined && (!Number.isInteger(of) || of < 1 || (index !== undefined && index > of))) {
        throw new InactivityConfigError(`flows.step(): of is the number of steps (at least index); got ${JSON.stringify(of)}.`);
    }
    if (mark.values !== undefined && (typeof mark.values !== 'object' || mark.values === null || Array.isArray(mark.values))) {
        throw new InactivityConfigError('flows.step(): values must be an object of the answers so far.');
    }
    if (mark.prompt !== undefined && typeof mark.prompt !== 'string' && (typeof mark.prompt !== 'object' || mark.prompt === null)) {
        throw new InactivityConfigError('flows.step(): prompt must be a string or an activity.');
    }
    const flow: MarkedFlow = { flowId: mark.flowId, stepId: mark.stepId, values: mark.values ?? {} };
    if (index !== undefined) {
        flow.index = index;
    }
    if (of !== undefined) {
        flow.of = of;
    }
    if (mark.prompt !== undefined) {
        flow.prompt = typeof mark.prompt === 'string' ? mark.prompt : promptCopy(mark.prompt as Record<string, unknown>);
    }
    let json: string;
    try {
        json = JSON.stringify(flow);
    } catch (err) {
        throw new InactivityConfigError(`flows.step(): values and prompt must be plain JSON (${(err as Error).message}).`);
    }
    if (json.length > MAX_MARKER_CHARS) {
        throw new InactivityConfigError(
            `flows.step(): values and prompt take ${json.length} characters as JSON; at most ${MAX_MARKER_CHARS} are kept per conversation.`
        );
    }
    // A plain copy: what the bot changes afterwards in its own objects does not change what the plugin keeps.
    return JSON.parse(json) as MarkedFlow;
}

/**
 * A marked flow read back from storage (the conversation's state or a saved flow), checked as the bot's input is.
 *
 * @param stored What was stored.
 * @returns The flow, or `undefined` when nothing valid was stored.
 */
export function readMarkedFlow(stored: unknown): MarkedFlow | undefined {
    if (!stored || typeof stored !== 'object') {
        return undefined;
    }
    // Read on every look at the path: a shape check, not a copy (what was stored was checked by checkStepMark).
    const flow = stored as Partial<MarkedFlow>;
    const ids = typeof flow.flowId === 'string' && ID.test(flow.flowId) && typeof flow.stepId === 'string' && ID.test(flow.stepId);
    const numbers = (flow.index === undefined || Number.isInteger(flow.index)) && (flow.of === undefined || Number.isInteger(flow.of));
    const values = typeof flow.values === 'object' && flow.values !== null && !Array.isArray(flow.values);
    return ids && numbers && values ? (flow as MarkedFlow) : undefined;
}

/**
 * The prompt's fields a question needs, copied one by one: an SDK's activity object may keep some of its fields
 * behind getters (the Agents SDK's `channelId`), which a spread or JSON would lose, and carries others (ids,
 * addresses) that must not be sent again.
 */
function promptCopy(activity: Record<string, unknown>): ActivityLike {
    const copy: Record<string, unknown> = {};
    for (const key of ['type', 'text', 'speak', 'inputHint', 'textFormat', 'attachmentLayout', 'attachments', 'suggestedActions', 'value', 'locale']) {
        const value = activity[key];
        if (value !== undefined) {
            copy[key] = value;
        }
    }
    copy.type ??= 'message';
    return copy;
}

/** Marks the flow frame of a marked flow's path. */
const MARKER_KEY = 'markedFlow';

/**
 * The active path of a marked flow, as the policy and the texts read paths: the flow, then its step (per-step
 * settings are keyed by the step's id).
 *
 * @param flow The marked flow.
 * @returns The path.
 */
export function markedPath(flow: MarkedFlow): ActiveFrame[] {
    const state: Record<string, unknown> = { [MARKER_KEY]: flow, values: flow.values };
    if (flow.index !== undefined) {
        state.stepIndex = flow.index - 1;
    }
    return [
        { id: flow.flowId, state, depth: 0, index: 0 },
        { id: flow.stepId, state: {}, depth: 0, index: 1 },
    ];
}

/**
 * The marked flow on a path, if the path is one ({@link markedPath}).
 *
 * @param path An active path.
 * @returns The flow, or `undefined` for another kind of path.
 */
export function markedFlowOf(path: ActiveFrame[]): MarkedFlow | undefined {
    return path[0]?.state[MARKER_KEY] as MarkedFlow | undefined;
}

/**
 * What the plugin can tell about a marked flow: every marked flow is watched, configured in `flows` or not.
 *
 * @param path A path from {@link markedPath}.
 * @param flows Configured flows by id.
 * @returns The flow's info, or `undefined` for another kind of path.
 */
export function inspectMarked(path: ActiveFrame[], flows: Record<string, FlowDefinition>): FlowInfo | undefined {
    const flow = markedFlowOf(path);
    if (!flow) {
        return undefined;
    }
    const definition = flows[flow.flowId];
    return {
        flowId: flow.flowId,
        flowDepth: 0,
        flowIndex: 0,
        definition,
        stepIndex: flow.index !== undefined ? flow.index - 1 : undefined,
        stepCount: flow.of ?? definition?.stepCount,
        stepName: flow.stepId,
        values: flow.values,
        path,
    };
}
