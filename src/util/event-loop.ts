/** One turn of the event loop: lets pending I/O callbacks, worker replies and signal handlers run. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
