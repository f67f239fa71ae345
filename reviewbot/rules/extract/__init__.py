"""Role tests and fact extractors, by the names rule.yaml files use.

Each role is a predicate over a ``SideView``; each extractor returns an ``Observed`` value
for one scenario knob, or None when the code this side shows does not decide it (the
rule's documented default is then used and reported as assumed).
"""

from __future__ import annotations

from collections.abc import Callable

from reviewbot.rules.context import Observed, SideView
from reviewbot.rules.extract import evict, flags, killsb, mapping, remote_attr, writelock

ROLES: dict[str, Callable[[SideView], bool]] = {
    "remote-getattr": remote_attr.is_remote_getattr,
    "evict": evict.is_evict,
    "kill-sb": killsb.is_kill_sb,
    "map-blocks": mapping.is_map_blocks,
    "write-begin": mapping.is_write_begin,
    "buffered-write": writelock.is_buffered_write,
    "shared-flags-update": flags.is_flags_update,
}

EXTRACTORS: dict[str, Callable[[SideView], Observed | None]] = {
    "getattr.flush": remote_attr.flush,
    "getattr.size_update": remote_attr.size_update,
    "getattr.completion_updates_remote_size": remote_attr.completion_updates_remote_size,
    "getattr.getattr_lock": remote_attr.getattr_lock,
    "evict.wait_for_io": evict.wait_for_io,
    "evict.wait_at": evict.wait_at,
    "killsb.sb_wait": killsb.sb_wait,
    "mapping.validity_cookie": mapping.validity_cookie,
    "mapping.map_extent": mapping.map_extent,
    "mapping.cookie_order": mapping.cookie_order,
    "mapping.revalidate": mapping.revalidate,
    "mapping.revalidate_at": mapping.revalidate_at,
    "writelock.inode_lock": writelock.inode_lock,
    "writelock.isize_update": writelock.isize_update,
    "writelock.truncate_excl": writelock.truncate_excl,
    "flags.atomic": flags.atomic,
    "flags.bits": flags.bits,
}
