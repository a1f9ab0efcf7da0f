"""Which page to fetch next: shared by the sync and async iterators."""

from __future__ import annotations

from twelvelabs_embed_generated.models import EmbeddingTaskList, MediaEmbeddingTask
from twelvelabs_embed_generated.types import Unset

__all__ = ["next_page", "page_items"]


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
