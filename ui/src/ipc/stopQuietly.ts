/** Stops listening; a window already torn down (reload, test cleanup) has nothing left to stop. */
export function stopQuietly(stop: () => void): void {
  try {
    stop();
  } catch {
    // Nothing is listening any more.
  }
}
