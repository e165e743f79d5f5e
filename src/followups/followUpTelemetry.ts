/** Names of the follow-ups' telemetry events. */
export const FollowUpEvents = {
    /** A follow-up was sent; properties `followUpId`, `type`, `channelId`, metrics `latenessMs`, `attempt`. */
    sent: 'InactivityFollowUpSent',
    /** A send failed (each attempt); properties `followUpId`, `type`, `status`, `permanent`, `final`. */
    failed: 'InactivityFollowUpFailed',
    /** A due follow-up was not sent; property `reason` (`outsideWindow`, `capped`, `optedOut`, `blocked`, `template`). */
    skipped: 'InactivityFollowUpSkipped',
} as const;
