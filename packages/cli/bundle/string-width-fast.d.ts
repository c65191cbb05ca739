/** The width string-width gives `text`, when it is sure to be the same; otherwise undefined. */
export function fastWidth(text: unknown): number | undefined;
