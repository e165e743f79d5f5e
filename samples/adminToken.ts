import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createHash, timingSafeEqual } from 'crypto';

/**
 * Guards the sample's operator routes (`/report`, `/api/followups/health`). With a token (`INACTIVITY_ADMIN_TOKEN`)
 * a request needs `Authorization: Bearer <token>` or `?token=<token>`, else it gets a 401; without one the routes
 * stay open, as on a developer's machine. A bot that copies these routes puts them behind its own authentication:
 * this guard, or the host's auth middleware in its place.
 *
 * @param token The token, or undefined to leave the routes open.
 * @returns Express middleware.
 */
export function requireAdminToken(token: string | undefined): RequestHandler {
    if (!token) {
        return (_req, _res, next) => next();
    }
    const expected = digest(token);
    return (req: Request, res: Response, next: NextFunction) => {
        const given = bearerOf(req.headers.authorization) ?? (typeof req.query.token === 'string' ? req.query.token : undefined);
        // Compared as digests of equal length, in constant time: the comparison does not tell how much matched.
        if (given !== undefined && timingSafeEqual(digest(given), expected)) {
            next();
            return;
        }
        res.status(401)
            .set('WWW-Authenticate', 'Bearer realm="botbuilder-inactivity sample"')
            .set('Cache-Control', 'no-store')
            .type('text/plain')
            .send('This route needs the admin token (INACTIVITY_ADMIN_TOKEN): send Authorization: Bearer <token> or add ?token=<token>.');
    };
}

function bearerOf(header: string | undefined): string | undefined {
    const m = /^Bearer\s+(.+?)\s*$/i.exec(header ?? '');
    return m ? m[1] : undefined;
}

function digest(text: string): Buffer {
    return createHash('sha256').update(text, 'utf8').digest();
}
