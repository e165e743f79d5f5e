import { InactivityConfigError } from '../../core/errors';
import type { FlowSource } from '../../core/ports/flowSource';
import { DialogFlowSource, DialogFlowSourceOptions } from '../../dialogs/dialogFlowSource';
import type { DialogsLibrary } from '../../dialogs/dialogsLibrary';

/**
 * The dialog stack reader, loaded only for a bot that gives `dialogState`: botbuilder-dialogs is an optional
 * peer, and a bot that marks its flows with `flows.step()` runs without it.
 *
 * @param options The dialog state, the root dialog and the configured flows.
 * @returns The flow source reading the dialog stack.
 * @throws InactivityConfigError when botbuilder-dialogs is not installed.
 */
export function loadDialogFlowSource(options: DialogFlowSourceOptions): FlowSource {
    let lib: DialogsLibrary;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        lib = require('botbuilder-dialogs') as DialogsLibrary;
    } catch (err) {
        if ((err as { code?: string }).code === 'MODULE_NOT_FOUND' && /botbuilder-dialogs/.test((err as Error).message)) {
            throw new InactivityConfigError(
                'options.dialogState was given, but botbuilder-dialogs is not installed: `npm install botbuilder-dialogs`, or mark your flows with inactivity.flows.step() and leave dialogState out.'
            );
        }
        throw err;
    }
    return new DialogFlowSource(options, lib);
}
