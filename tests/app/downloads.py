"""What a download button on a page would give a user, read from the page itself in AppTest.

A download's bytes go to Streamlit's media file storage, which AppTest keeps only during a run:
:func:`capture` records what is stored, and :func:`download` finds a button's bytes by its URL.
Tests read what the user would download, never keys the app keeps for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage


@contextmanager
def capture() -> Iterator[dict[str, bytes]]:
    """Record every file the app hands to the media storage: {file id: bytes}."""
    stored: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def recording(self, path_or_data, mimetype, kind, filename=None):  # type: ignore[no-untyped-def]
        file_id = original(self, path_or_data, mimetype, kind, filename)
        data = path_or_data if isinstance(path_or_data, bytes) else str(path_or_data).encode()
        stored[file_id] = data
        return file_id

    MemoryMediaFileStorage.load_and_get_id = recording  # type: ignore[method-assign]
    try:
        yield stored
    finally:
        MemoryMediaFileStorage.load_and_get_id = original  # type: ignore[method-assign]


def download(app, key: str, stored: dict[str, bytes]) -> bytes:  # type: ignore[no-untyped-def]
    """The bytes behind the download button ``key`` on the page the app shows now."""
    buttons = [b for b in app.get("download_button") if b.proto.id.endswith(key) or b.key == key]
    assert buttons, f"no download button {key!r} on the page"
    url = buttons[0].proto.url
    assert url, f"download button {key!r} is built on click, not sent with the page"
    return stored[url.rsplit("/", 1)[-1].split(".", 1)[0]]
