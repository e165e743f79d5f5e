/** A conversation's flow in progress, as one instance last saw it. */
export interface ActiveFlowEntry {
    /** The conversation's key (`<channelId>/<conversationId>`). */
    key: string;
    /** The flow. */
    flowId: string;
    /** When it stops counting unless seen again (epoch ms): its last stage plus a grace minute. */
    until: number;
    /** When this instance last saw it in progress (epoch ms). */
    seenAt: number;
}

/** A conversation whose flow this instance saw end. */
export interface EndedFlowEntry {
    /** The conversation's key. */
    key: string;
    /** When it ended (epoch ms): an entry of another instance seen before this no longer counts. */
    at: number;
    /** Until when the end is kept (epoch ms), so that other instances' older entries for the key stay outweighed. */
    keepUntil: number;
}

/** What one instance publishes of the flows it saw: in progress and ended. */
export interface InstanceActiveFlows {
    /** The instance's random id, made when it starts. */
    instanceId: string;
    /** When it published this (epoch ms). */
    publishedAt: number;
    /** Until when any of it matters (epoch ms): the latest `until` or `keepUntil`. */
    expiresAt: number;
    /** Flows in progress. */
    live: ActiveFlowEntry[];
    /** Flows seen ending. */
    ended: EndedFlowEntry[];
}

/**
 * Where the instances of a bot publish the flows in progress they saw, for `activeFlows({ scope: 'all' })`. One
 * document per instance, replaced at each publication: instances never write each other's.
 */
export interface ActiveFlowStore {
    /** Replaces this instance's publication. */
    publish(flows: InstanceActiveFlows): Promise<void>;
    /** Every instance's publication still of use at `now` (`expiresAt` after it). */
    read(now: number): Promise<InstanceActiveFlows[]>;
}
