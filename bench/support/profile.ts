import type { Session } from 'inspector';

/**
 * Starts the CPU profiler in a new inspector session.
 *
 * @param session A session not yet connected.
 */
export function startProfile(session: Session): Promise<void> {
    session.connect();
    return new Promise((resolve) => session.post('Profiler.enable', () => session.post('Profiler.start', () => resolve())));
}

/**
 * Stops a CPU profile started on `session` and sums its self time per place in the code: the plugin, Agenda, the
 * MongoDB driver, botbuilder, the bench's bot, the garbage collector, Node itself (`idle` is time waiting). With
 * `BENCH_PROFILE_TOP=n` the n functions of most self time are printed to stderr.
 *
 * @param session The inspector session the profile runs in (disconnected here).
 * @param place Where a frame belongs: by default the coarse places above; {@link moduleOf} for one package or plugin folder each.
 * @returns ms of self time per place.
 */
export function stopProfile(session: Session, place: (url: string, fn: string) => string = categorize): Promise<Record<string, number>> {
    return new Promise((resolve) => {
        session.post('Profiler.stop', (err, result) => {
            const out: Record<string, number> = {};
            if (err || !result) {
                resolve(out);
                return;
            }
            const { profile } = result;
            const byId = new Map(profile.nodes.map((n) => [n.id, n]));
            const deltas = profile.timeDeltas ?? [];
            const top = new Map<string, number>();
            (profile.samples ?? []).forEach((id, i) => {
                const node = byId.get(id);
                const where = place(node?.callFrame.url ?? '', node?.callFrame.functionName ?? '');
                out[where] = (out[where] ?? 0) + (deltas[i] ?? 0) / 1000;
                const fn = `${where} ${node?.callFrame.functionName} ${(node?.callFrame.url ?? '').split('/').slice(-2).join('/')}:${node?.callFrame.lineNumber}`;
                top.set(fn, (top.get(fn) ?? 0) + (deltas[i] ?? 0) / 1000);
            });
            if (process.env.BENCH_PROFILE_TOP) {
                console.error(
                    [...top]
                        .sort((a, b) => b[1] - a[1])
                        .slice(0, Number(process.env.BENCH_PROFILE_TOP))
                        .map(([k, v]) => `${v.toFixed(0).padStart(6)} ms ${k}`)
                        .join('\n')
                );
            }
            session.disconnect();
            resolve(out);
        });
    });
}

/** The place in the code a profile's frame belongs to. */
function categorize(url: string, fn: string): string {
    if (fn === '(idle)') return 'idle';
    if (url.includes('/dist/src/')) return 'plugin';
    // Agenda logs through `debug`, creating a logger (and asking whether stderr is a TTY) on every call.
    if (/node_modules\/(agenda|@agendajs|date\.js|cron-parser|human-interval|luxon|debug)\//.test(url) || fn === 'isTTY') return 'agenda';
    if (
        /node_modules\/(mongodb|bson|mongodb-connection-string-url)\//.test(url) ||
        /^node:(net|stream|internal\/stream|internal\/net)/.test(url) ||
        fn === 'writeBuffer' ||
        fn === 'writev'
    )
        return 'driver';
    if (/node_modules\/(botbuilder|botframework|@microsoft)/.test(url)) return 'botbuilder';
    if (url.includes('/dist/bench/') || url.includes('/dist/samples/') || /node_modules\/(i18next)\//.test(url)) return 'bench bot';
    if (fn === '(garbage collector)') return 'gc';
    return 'node';
}

/**
 * The module a profile's frame belongs to, finer than the places of {@link stopProfile}: the plugin's folder
 * (`plugin core/turn`, `plugin mongo`), a package's name (`mongodb`, `bson`, `botbuilder-core`), `node`, `gc`, `idle`.
 *
 * @param url The frame's script.
 * @param fn The frame's function.
 * @returns The module's name.
 */
export function moduleOf(url: string, fn: string): string {
    if (fn === '(idle)') return 'idle';
    if (fn === '(garbage collector)') return 'gc';
    const own = /\/dist\/src\/((?:core\/)?[^/]+)\//.exec(url);
    if (own) return `plugin ${own[1]}`;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (pkg) return pkg[1];
    if (url.includes('/dist/')) return 'bench bot';
    if (fn === 'writeBuffer' || fn === 'writev' || /^node:(net|stream|internal\/stream|internal\/net)/.test(url)) return 'node sockets';
    return 'node';
}
