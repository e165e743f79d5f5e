import { InactivityConfigError } from '../../core/errors';
import type { FlowSource } from '../../core/ports/flowSource';
import type { DialogFlowSourceOptions } from './dialogFlowSource';

/**
 * The dialog stack reader, loaded only for a bot that gives `dialogState`: botbuilder-dialogs is an optional
 * peer, and a bot that marks its flows with `flows.step()` runs without it.
 *
 * @param options The dialog state, the root dialog and the configured flows.
 * @returns The flow source reading the dialog stack.
 * @throws InactivityConfigError when botbuilder-dialogs is not installed.
 */
export function loadDialogFlowSource(options: DialogFlowSourceOptions): FlowSource {
    let loaded: typeof import('./dialogFlowSource');
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        loaded = require('./dialogFlowSource') as typeof import('./dialogFlowSource');
    } catch (err) {
        if ((err as { code?: string }).code === 'MODULE_NOT_FOUND' && /botbuilder-dialogs/.test((err as Error).message)) {
            throw new InactivityConfigError(
                'options.dialogState was given, but botbuilder-dialogs is not installed: `npm install botbuilder-dialogs`, or mark your flows with inactivity.flows.step() and leave dialogState out.'
            );
        }
        throw err;
    }
    return new loaded.DialogFlowSource(options);
}
