/**
 * CPU time of this process (user + system), for the hang and complexity guards in tests. Wall time
 * measured the machine's load, not the code: on a CI machine shared with other jobs the same test
 * took 2-3x its budget. Speed itself is measured in `npm run bench`, never in a test.
 */
export function cpuClock(): () => number {
  const start = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  };
}
