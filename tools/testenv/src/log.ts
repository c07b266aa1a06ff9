/** A line logger supplied by the caller; testenv never writes to the console itself. */
export type Log = (msg: string) => void;

/** The default logger: drops every message. */
export const noLog: Log = () => {};
