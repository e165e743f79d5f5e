import { InactivityConfigError } from '../../core/errors';
import type { FlowSource } from '../../core/ports/flowSource';
import { DialogFlowSource, DialogFlowSourceOptions } from '../../dialogs/dialogFlowSource';
import type { DialogsLibrary } from '../../dialogs/dialogsLibrary';

/**
 * The dialog stack reader for an agent on `@microsoft/agents-hosting-dialogs`, loaded only when the agent gives
 * `dialogState`: an agent that marks its flows with `flows.step()` does not install the dialogs package.
 *
 * @param options The dialog state, the root dialog and the configured flows.
 * @returns The flow source reading the dialog stack.
 * @throws InactivityConfigError when `@microsoft/agents-hosting-dialogs` is not installed.
 */
export function loadAgentsDialogFlowSource(options: DialogFlowSourceOptions): FlowSource {
    let lib: DialogsLibrary;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        lib = require('@microsoft/agents-hosting-dialogs') as DialogsLibrary;
    } catch (err) {
        if ((err as { code?: string }).code === 'MODULE_NOT_FOUND' && /agents-hosting-dialogs/.test((err as Error).message)) {
            throw new InactivityConfigError(
                'options.dialogState was given, but @microsoft/agents-hosting-dialogs is not installed: `npm install @microsoft/agents-hosting-dialogs`, or mark your flows with inactivity.flows.step() and leave dialogState out.'
            );
        }
        throw err;
    }
    return new DialogFlowSource(options, lib);
}
