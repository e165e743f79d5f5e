/**
 * Arms and cancels made by this process, numbered: the number of the last one per timer (by `_id`), and the
 * number current when each copy of a timer was locked (by `_id` and lock time). A copy locked before this process
 * armed or cancelled its timer again must not run: its time was moved (or it was cancelled) after Agenda took it.
 */
export class ArmSequence {
    private sequence = 0;
    private readonly armedSeq = new Map<string, number>();
    private readonly lockedSeq = new Map<string, number>();

    /** Records an arm or a cancel of timer `id` (hex `_id`). */
    noteArmed(id: string): void {
        if (this.armedSeq.size >= 50_000) {
            // Only arms newer than a lock held in memory matter; at most TIMER_LOCK_LIMIT copies are held.
            this.armedSeq.clear();
            this.lockedSeq.clear();
        }
        this.armedSeq.set(id, ++this.sequence);
    }

    /**
     * As a lock query is sent: the arms made so far are older than whatever it locks.
     *
     * @returns What to call with the job the query locked (its id and lock time).
     */
    noteLocking(): (id: string, lockedAt: Date) => void {
        const seq = this.sequence;
        return (id, lockedAt) => {
            if (this.lockedSeq.size >= 10_000) {
                this.lockedSeq.clear();
            }
            this.lockedSeq.set(`${id}:${new Date(lockedAt).getTime()}`, seq);
        };
    }

    /**
     * Whether this process armed or cancelled timer `id` after it locked the copy locked at `lockedAt` (the
     * record of that lock is dropped: each copy runs once).
     */
    movedSinceLock(id: string, lockedAt: number): boolean {
        const lockSeq = this.lockedSeq.get(`${id}:${lockedAt}`);
        this.lockedSeq.delete(`${id}:${lockedAt}`);
        return lockSeq !== undefined && (this.armedSeq.get(id) ?? 0) > lockSeq;
    }
}

/**
 * The due time each copy of a timer had when this process locked it (by `_id` and lock time): a run counts its
 * lease from it when it was locked ahead of time (Agenda has cleared `nextRunAt` by the time the handler runs).
 */
export class LockDueTimes {
    private readonly dueAt = new Map<string, number>();

    /** Records the due time of the copy of `id` locked at `lockedAt`. */
    note(id: string, lockedAt: Date, nextRunAt: Date | undefined): void {
        if (!nextRunAt) {
            return;
        }
        if (this.dueAt.size >= 10_000) {
            // At most TIMER_LOCK_LIMIT copies are held at once: older records belong to copies long gone.
            this.dueAt.clear();
        }
        this.dueAt.set(`${id}:${new Date(lockedAt).getTime()}`, new Date(nextRunAt).getTime());
    }

    /** The due time of the copy locked at `lockedAt` (ms), forgotten once read: each copy runs once. */
    take(id: string, lockedAt: number): number | undefined {
        const key = `${id}:${lockedAt}`;
        const due = this.dueAt.get(key);
        this.dueAt.delete(key);
        return due;
    }
}
