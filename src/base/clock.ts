/** Milliseconds since the epoch; injected so tests set the time instead of waiting for it. */
export type Clock = () => number;
