"""Which page to fetch next and when to stop: shared by the sync and async iterators (no I/O)."""

from __future__ import annotations

from twelvelabs_embed_generated.models import EmbeddingTaskList, MediaEmbeddingTask
from twelvelabs_embed_generated.types import Unset

__all__ = ["MAX_PAGES", "Pager", "next_page", "page_items"]

#: No listing walks more pages than this (50 items a page: 500,000 tasks), whatever the server says.
MAX_PAGES = 10_000


def page_items(page: EmbeddingTaskList) -> list[MediaEmbeddingTask]:
    return [] if isinstance(page.data, Unset) else list(page.data)


def next_page(page: EmbeddingTaskList, number: int, page_limit: int) -> int | None:
    """The next page number, or None when `page` was the last one.

    `page_info.total_page` decides when the server sends it, so no extra empty page is requested;
    without it, a short or empty page is the last.
    """
    items = page_items(page)
    if not items:
        return None
    info = page.page_info
    if not isinstance(info, Unset) and not isinstance(info.total_page, Unset):
        return number + 1 if number < info.total_page else None
    return number + 1 if len(items) >= page_limit else None


class Pager:
    """One listing walk: the page to ask for, the items to hand out, and when to stop.

    It stops at the last page (see `next_page`), after `max_items`, after `MAX_PAGES`, and when a
    page repeats the ids of any page before it (a server that ignores `page`, or cycles through a few
    pages, would otherwise be walked forever). Only a hash of each page's ids is kept.
    """

    def __init__(self, first: int, page_limit: int, max_items: int | None) -> None:
        self.number: int | None = first
        self.page_limit = page_limit
        self.max_items = max_items
        self.yielded = 0
        self.pages = 0
        self._seen: set[int] = set()

    def accept(self, page: EmbeddingTaskList) -> list[MediaEmbeddingTask]:
        """The items of the page just fetched that are to be handed out; moves to the next page."""
        assert self.number is not None
        items = page_items(page)
        fingerprint = hash(tuple(str(item.id) for item in items))
        if items and fingerprint in self._seen:
            self.number = None
            return []
        self._seen.add(fingerprint)
        self.pages += 1
        following = next_page(page, self.number, self.page_limit)
        self.number = following if self.pages < MAX_PAGES else None
        if self.max_items is not None:
            items = items[: max(self.max_items - self.yielded, 0)]
            if self.yielded + len(items) >= self.max_items:
                self.number = None
        self.yielded += len(items)
        return items

    @property
    def done(self) -> bool:
        return self.number is None or (self.max_items is not None and self.yielded >= self.max_items)
