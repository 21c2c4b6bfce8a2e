"""A tiny progress bar for long operator commands; drawn only on a terminal."""

import time


class ProgressBar:
    def __init__(self, stream, label: str, *, width: int = 30, enabled: bool | None = None):
        self.stream = stream
        self.label = label
        self.width = width
        self.started = time.monotonic()
        self.enabled = enabled if enabled is not None else bool(getattr(stream, "isatty", lambda: False)())
        self._last_drawn = 0.0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        now = time.monotonic()
        if done < total and now - self._last_drawn < 0.2:
            return
        self._last_drawn = now
        filled = int(self.width * done / total)
        elapsed = now - self.started
        eta = elapsed / done * (total - done) if done else 0
        # The stream is a command's OutputWrapper: `ending=""` keeps the bar on one line.
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total}"
            f"  {elapsed:5.1f}s elapsed, ~{eta:4.0f}s left",
            ending="\n" if done >= total else "",
        )
        self.stream.flush()
