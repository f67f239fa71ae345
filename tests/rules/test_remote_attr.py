"""Facts about how a getattr applies the server's size (extract/remote_attr.py)."""

from __future__ import annotations

from tests.rules import kit


def test_a_flag_passed_but_no_longer_tested_is_said() -> None:
    """Seed 000: the getattrs still pass V9FS_STAT2INODE_KEEP_ISIZE, but the patch
    removes every test of it in stat2inode; a reader of the call would assume the flag
    still keeps i_size, so the fact says what the patch shows."""
    (msg,) = kit.messages(kit.SEEDS["000"])
    analysis = kit.run(msg)
    after = [
        fact.text
        for finding in analysis.findings
        if finding.rule == "remote-size-overwrites-local-size"
        for fact in finding.facts
        if fact.side == "after" and "sets i_size" in fact.text
    ]
    assert after and all("passes V9FS_STAT2INODE_KEEP_ISIZE, but no line of" in t for t in after), (
        after
    )
    # "v9ses->cache & CACHE_WRITEBACK" is the caller testing its own state, not a flag.
    assert not any("CACHE_WRITEBACK" in t for t in after)
