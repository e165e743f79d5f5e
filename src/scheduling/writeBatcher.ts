import type { AnyBulkWriteOperation, Collection, Document } from 'mongodb';

/**
 * Gathers the single-document writes that runs finishing at about the same time make (completion writes, deletes)
 * and sends them as one `bulkWrite`: in a burst, one command per many timers instead of one per timer. A write
 * waits at most `delayMs` for company when nothing is being written; while a batch is being written, the next one
 * gathers until it returns (a slow server gets bigger batches, not more of them). Each caller learns when its
 * batch is written (or why it failed); results are not per write (a bulk write reports totals), so callers must
 * not need them.
 */
export class WriteBatcher {
    private ops: Array<AnyBulkWriteOperation<Document>> = [];
    private waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
    private timer?: NodeJS.Timeout;
    private writing = 0;

    /**
     * @param collection Where the writes go.
     * @param delayMs How long a write waits for others. Default 2 ms.
     * @param max A batch is sent as soon as it holds this many writes. Default 100.
     */
    constructor(
        private readonly collection: Collection,
        private readonly delayMs = 2,
        private readonly max = 100
    ) {}

    /**
     * Queues one write.
     *
     * @param op An `updateOne` or `deleteOne` bulk operation.
     * @returns When its batch is written.
     */
    write(op: AnyBulkWriteOperation<Document>): Promise<void> {
        return new Promise<void>((resolve, reject) => {
            this.ops.push(op);
            this.waiters.push({ resolve, reject });
            if (this.ops.length >= this.max) {
                this.flush();
            } else if (this.writing === 0) {
                this.timer ??= setTimeout(() => this.flush(), this.delayMs);
            }
        });
    }

    private flush(): void {
        clearTimeout(this.timer);
        this.timer = undefined;
        const ops = this.ops;
        const waiters = this.waiters;
        this.ops = [];
        this.waiters = [];
        if (ops.length === 0) {
            return;
        }
        this.writing++;
        this.collection
            .bulkWrite(ops, { ordered: false })
            .then(
                () => waiters.forEach((w) => w.resolve()),
                (err: unknown) => waiters.forEach((w) => w.reject(err))
            )
            .finally(() => {
                this.writing--;
                if (this.writing === 0 && this.ops.length > 0) {
                    this.flush();
                }
            });
    }
}
