/**
 * How follow-ups may be sent on one channel. Channels without a policy send freely (quiet hours and the
 * frequency cap still apply).
 */
export interface ChannelPolicy {
    /**
     * Free-form messages are allowed only within this many ms after the user's last message (WhatsApp: 24 hours).
     * Outside it the service calls `outsideWindow` if given, else records the follow-up as `skipped` with reason
     * `outsideWindow`. Default: no window.
     */
    windowMs?: number;
}

/** The built-in policies: WhatsApp's 24-hour customer-service window. */
export const DEFAULT_CHANNEL_POLICIES: Record<string, ChannelPolicy> = {
    whatsapp: { windowMs: 24 * 60 * 60 * 1000 },
};

/**
 * Whether a send at `now` is inside the channel's window.
 *
 * @param policy The channel's policy, if any.
 * @param lastUserMessageAt When the user last wrote, if known.
 * @param now The send time.
 * @returns True when the channel has no window or the user wrote within it.
 */
export function insideWindow(policy: ChannelPolicy | undefined, lastUserMessageAt: Date | undefined, now: Date): boolean {
    if (!policy?.windowMs) {
        return true;
    }
    return lastUserMessageAt !== undefined && now.getTime() - lastUserMessageAt.getTime() < policy.windowMs;
}
