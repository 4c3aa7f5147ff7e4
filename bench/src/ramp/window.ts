/** The width of one counting window of the first-calls measurement, ms. */
export const WINDOW_MS = 250
