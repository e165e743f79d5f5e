import { stopMongo } from './mongo';

/** Mocha root hooks: shut the shared test MongoDB down once every file has run. */
export const mochaHooks = {
    async afterAll(): Promise<void> {
        await stopMongo();
    },
};
