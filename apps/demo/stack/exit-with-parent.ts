/**
 * Preloaded (`--import`) into every child the demo stack starts: when the parent goes away (its
 * end of our stdin pipe closes, even after a SIGKILL), send ourselves SIGTERM, so the edge peer
 * leaves gracefully instead of lingering as an orphan.
 */
process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.on('error', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.resume();
