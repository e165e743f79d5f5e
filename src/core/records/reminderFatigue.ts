/**
 * What the plugin remembers of a user across flows and conversations: the reminders in a row they let pass, and
 * a pause of their reminders after too many (`maxIgnoredReminders`, `fatigueCooldown`). Kept in MongoDB's
 * `<prefix>ReminderFatigue` collection, keyed by the same user hash as the flow-run records.
 */
export interface ReminderFatigueStore {
    /**
     * Until when the user's reminders are paused.
     *
     * @param user The user's key (a keyed hash, or the raw id when `rawUserIds` is on).
     * @param now The clock (epoch ms).
     * @returns Epoch ms, or `undefined` when they are not paused at `now`.
     */
    pausedUntil(user: string, now: number): Promise<number | undefined>;
    /**
     * Counts a reminder the user let pass. The `max`-th in a row pauses their reminders for `cooldownMs`, and the
     * count starts again.
     *
     * @param user The user's key.
     * @param rule The clock, how many in a row pause, and for how long.
     * @returns Whether this one began a pause.
     */
    noteIgnored(user: string, rule: { now: number; max: number; cooldownMs: number }): Promise<boolean>;
    /**
     * The user answered a reminder: the count starts again.
     *
     * @param user The user's key.
     * @param now The clock (epoch ms).
     */
    reset(user: string, now: number): Promise<void>;
}
