import type { Collection, Document, Filter } from 'mongodb';

/** Documents per batch of a sweep, by default (`sweepBatchSize`). */
export const DEFAULT_SWEEP_BATCH = 1000;

/** The most documents one batch of a sweep deletes, at most (`sweepBatchSize`). */
export const MAX_SWEEP_BATCH = 100_000;

/**
 * Deletes the documents matching `filter` in batches of `batchSize`: the ids of one batch are read, then deleted
 * (still matching `filter`, so a document changed in between stays), until a batch comes back short. Each command
 * touches at most `batchSize` documents, so a sweep of a large backlog never holds the server in one long delete,
 * and a sweep cut short (a restart) has deleted whole batches.
 *
 * @param collection The collection.
 * @param filter What to delete.
 * @param batchSize Documents per batch, at least 1.
 * @param keepGoing Asked before each batch after the first: false stops the sweep there (the instance is stopping).
 * @returns How many were deleted.
 */
export async function deleteInBatches<T extends Document>(
    collection: Collection<T>,
    filter: Filter<T>,
    batchSize: number,
    keepGoing: () => boolean = () => true
): Promise<number> {
    let deleted = 0;
    for (let first = true; first || keepGoing(); first = false) {
        const ids = (await collection.find(filter, { projection: { _id: 1 }, limit: batchSize }).toArray()).map((d) => d._id);
        if (ids.length === 0) {
            return deleted;
        }
        deleted += (await collection.deleteMany({ $and: [filter, { _id: { $in: ids } }] } as Filter<T>)).deletedCount;
        if (ids.length < batchSize) {
            return deleted;
        }
    }
    return deleted;
}
