import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';
import { existsSync } from 'fs';
import { dirname, join } from 'path';
import { getRouter } from 'offline-directline';
import { SAMPLE_PUBLIC_DIR, type SampleExtension } from './sampleHttp';

/** Paths the Direct Line router answers: `/directline/...` for Web Chat, `/v3/...` for the bot's replies. */
const DIRECT_LINE_PATHS = /^\/(directline|v3)(\/|$)/;

/**
 * The address of the browser page of a sample listening on `port`.
 *
 * @param port The sample's port.
 * @returns The page's URL.
 */
export function webChatPageUrl(port: number): string {
    return `http://localhost:${port}/`;
}

/**
 * A {@link SampleExtension} that serves Microsoft's Web Chat at `/` talking to the sample bot through a local
 * Direct Line server (offline-directline) mounted in the sample's own Express app, so the bot can be tried in a
 * browser without Azure or the Emulator.
 *
 * - `GET /` serves `samples/public/index.html` (with `page.js` and `page.css`, no build step).
 * - `GET /webchat.js` serves `botframework-webchat/dist/webchat.js`.
 * - `/directline/...` is Direct Line's client API: Web Chat uses `domain: <page origin>/directline`, polling.
 * - `/v3/conversations/...` receives the bot's replies and proactive messages: the Direct Line conversations'
 *   `serviceUrl` is `http://127.0.0.1:<port>`, so reminders the plugin sends with `continueConversationAsync`
 *   land in the same history Web Chat polls.
 *
 * Notes on offline-directline 1.3.1: it uses channelId `emulator` and sends a `conversationUpdate` with empty
 * `membersAdded` (so the bot's welcome is not shown); its conversation store is module-level and lives as long
 * as the process (its cleanup timer is started only by `initializeRoutes`, which this extension does not use,
 * so nothing keeps the process alive); it logs each new conversation with `console.log`.
 *
 * @returns The extension, for `startSample(config, [webChat()])`.
 */
export function webChat(): SampleExtension {
    return (app) => {
        app.get('/webchat.js', (req, res) => {
            const bundle = webChatBundle();
            if (!bundle) {
                res.status(500)
                    .type('text/plain')
                    .send('botframework-webchat is not installed: run `npm install` (it is a dev dependency of this repository).');
                return;
            }
            res.sendFile(bundle, { maxAge: '1h' });
        });
        app.use(express.static(SAMPLE_PUBLIC_DIR, { index: 'index.html' }));
        app.use(directLine());
    };
}

/**
 * offline-directline's router, built on the first request: the sample may listen on port 0, and only a request
 * tells which port it got. The router is an Express 4.16 router (offline-directline pins its own copy); it
 * parses its own bodies and works mounted in the sample's Express 4 app.
 *
 * @returns Middleware that hands Direct Line paths to the router.
 */
function directLine(): RequestHandler {
    let router: RequestHandler | undefined;
    return (req: Request, res: Response, next: NextFunction) => {
        if (!DIRECT_LINE_PATHS.test(req.path)) {
            next();
            return;
        }
        if (!router) {
            const origin = `http://127.0.0.1:${req.socket.localPort}`;
            router = getRouter(origin, `${origin}/api/messages`);
        }
        router(req, res, next);
    };
}

/**
 * Finds Web Chat's browser bundle. The package's `exports` hide `dist/`, so go from its main entry (lib/index.js).
 *
 * @returns The bundle's path, or undefined when the package is missing.
 */
function webChatBundle(): string | undefined {
    try {
        const bundle = join(dirname(dirname(require.resolve('botframework-webchat'))), 'dist', 'webchat.js');
        return existsSync(bundle) ? bundle : undefined;
    } catch {
        return undefined;
    }
}
