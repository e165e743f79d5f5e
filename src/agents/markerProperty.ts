/** The property of the plugin's own storage item that holds the flow the bot marked with `flows.step()`. */
export const MARKER_PROPERTY = 'flowMarker';
