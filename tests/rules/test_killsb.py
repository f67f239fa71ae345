"""Role "kill-sb" and fact ``sb_wait`` (reviewbot/rules/extract/killsb.py), the scenario's
``sb_wait`` knob, and the synthetic kill_sb fixtures 0122 (9p-styled fix) and 0123
(cifs-styled cleanup); see fixtures/patches/SOURCES.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewbot import diffparse
from reviewbot.analyze import default_runner
from reviewbot.model import ChangedFunction, FunctionSide, Message, Side
from reviewbot.rules.context import Observed, SideView, peers_of, view
from reviewbot.rules.cst import parse_body
from reviewbot.rules.examples import as_functions, marks
from reviewbot.rules.extract import EXTRACTORS, ROLES
from reviewbot.rules.extract.common import WAIT_PRIMS
from reviewbot.rules.loader import get_rule
from reviewbot.sim.registry import all_scenarios
from tests.rules import kit

RULE = "evict-without-waiting-for-io"
FIX = kit.FIX / "0122-synthetic-9p-kill-sb-wait-for-requests.mbox"
NEG = kit.FIX / "0123-synthetic-neg-cifs-kill-sb-root-helper.mbox"
EXAMPLES = Path(get_rule(RULE).directory_path) / "examples.c"

KILL = """static void zz_kill(struct super_block *sb)
{
	struct zz_info *zi = sb->s_fs_info;

	SHUTDOWN(sb);
	zz_destroy(zi);
}
"""


# what the rest of the file shows: netfs requests (without some such sign the fact is
# not read at all, see test_no_sign_of_asynchronous_requests_no_fact)
NETFS_FILE = "static void zz_free_request(struct netfs_io_request *rreq)\n"


def _view(text: str, registered: tuple[str, ...] = (), file_text: str = NETFS_FILE) -> SideView:
    name = parse_body(text).name
    side = FunctionSide(
        name=name,
        text=text,
        first_line=1,
        line_kinds=("context",) * (text.count("\n") + 1),
        complete=True,
    )
    fn = ChangedFunction("fs/x/super.c", name, None, side, registered_as=registered)
    return SideView(fn=fn, side="after", fs=side, body=parse_body(text), file_text=file_text)


def test_no_sign_of_asynchronous_requests_no_fact() -> None:
    """A block filesystem's ->kill_sb frees its state after kill_block_super(): with no
    netfs call and no wait for outstanding work in view, nothing is read (quiet)."""
    text = KILL.replace("SHUTDOWN", "kill_block_super")
    v = _view(text, file_text="")
    assert ROLES["kill-sb"](v)
    assert EXTRACTORS["killsb.sb_wait"](v) is None
    # audit 2 #6: a wait alone is no sign of requests (a block filesystem flushing its
    # own workqueue), whether the patch adds it or not
    for wait in ("flush_workqueue(zi->wq);", "destroy_workqueue(zi->wq);"):
        waits = KILL.replace("SHUTDOWN(sb);", f"kill_block_super(sb);\n\t{wait}")
        assert EXTRACTORS["killsb.sb_wait"](_view(waits, file_text="")) is None
    # a wait for a count of outstanding requests to drain is one
    drain = "wait_var_event(&zi->nr, atomic_read(&zi->nr) == 0);"
    waits = KILL.replace("SHUTDOWN(sb);", f"kill_block_super(sb);\n\t{drain}")
    obs = EXTRACTORS["killsb.sb_wait"](_view(waits, file_text=""))
    assert obs is not None and obs.value == "yes"


@pytest.mark.parametrize(
    "shutdown",
    ["kill_anon_super", "kill_block_super", "kill_litter_super", "generic_shutdown_super"],
)
def test_role_by_shutdown_call(shutdown: str) -> None:
    v = _view(KILL.replace("SHUTDOWN", shutdown))
    assert ROLES["kill-sb"](v)
    obs = EXTRACTORS["killsb.sb_wait"](v)
    assert obs is not None and obs.value == "no" and "zz_destroy()" in obs.text


def test_role_by_registration_without_a_visible_shutdown() -> None:
    text = KILL.replace("SHUTDOWN(sb);", "zz_flush(sb);")
    assert not ROLES["kill-sb"](_view(text))
    v = _view(text, registered=(".kill_sb",))
    assert ROLES["kill-sb"](v)
    assert EXTRACTORS["killsb.sb_wait"](v) is None  # no shutdown shown: not decided
    assert not ROLES["kill-sb"](_view(text, registered=(".evict_inode",)))


@pytest.mark.parametrize(
    ("between", "value"),
    [
        ("flush_workqueue(zi->wq);", "yes"),
        ("drain_workqueue(zi->wq);", "yes"),
        ("wait_for_completion_killable_timeout(&zi->done, HZ);", "yes"),
        ("destroy_workqueue(zi->wq);", "yes"),  # drains the queue before freeing it
        ("{\n\t\twait_for_completion(&zi->done);\n\t}", "yes"),  # a bare block: a scope
        ("long t = wait_for_completion_timeout(&zi->done, HZ);", "yes"),
        ("zz_log(zi);", "no"),
    ],
)
def test_wait_must_dominate_the_teardown(between: str, value: str) -> None:
    text = KILL.replace("SHUTDOWN(sb);", f"kill_anon_super(sb);\n\t{between}")
    obs = EXTRACTORS["killsb.sb_wait"](_view(text))
    assert obs is not None and obs.value == value


def _kinds(text: str, added: str) -> SideView:
    """``text`` as the after side of a patch that adds the lines containing ``added``."""
    v = _view(text)
    kinds = tuple("added" if added and added in ln else "context" for ln in text.split("\n"))
    fs = FunctionSide(
        name=v.fs.name,
        text=text,
        first_line=1,
        line_kinds=kinds,
        complete=True,  # type: ignore[arg-type]
    )
    fn = ChangedFunction("fs/x/super.c", v.fs.name, None, fs)
    return SideView(fn=fn, side="after", fs=fs, body=v.body, file_text=NETFS_FILE)


@pytest.mark.parametrize(
    ("test", "added", "value"),
    [
        # the test is the count of outstanding work: skipped only when nothing is counted
        ("atomic_read(&zi->blockers)", "", "yes"),
        ("busy && atomic_read(&zi->blockers)", "", "yes"),  # busy: read from the count
        ("zi->busy && atomic_read(&zi->blockers)", "", None),  # zi->busy: not a count
        # a test the model cannot read, on a wait the patch leaves alone: not decided
        ("zi->busy", "", None),
        ("zi->busy", "zz_sysfs_cleanup", None),
        # the patch adds (or makes conditional) the wait itself: read as written
        ("zi->busy", "wait_for_completion", "no"),
    ],
)
def test_a_conditional_wait(test: str, added: str, value: str | None) -> None:
    """Audit 2 #3 (ceph's ``if (wait && atomic_read(&blockers))``): what a wait under a
    condition of its own means; documented in the rule's kill-sb role."""
    text = KILL.replace(
        "SHUTDOWN(sb);",
        f"bool busy = !!atomic_read(&zi->blockers);\n\n\tif ({test})\n"
        "\t\twait_for_completion(&zi->done);\n\tkill_anon_super(sb);\n"
        "\tzz_sysfs_cleanup(zi);",
    )
    obs = EXTRACTORS["killsb.sb_wait"](_kinds(text, added))
    assert (obs and obs.value) == value
    if value == "no":
        assert "runs only if zi->busy" in obs.text  # type: ignore[union-attr]


def test_a_local_assigned_from_the_count_is_a_count_test() -> None:
    text = KILL.replace(
        "SHUTDOWN(sb);",
        "bool wait = !!atomic_read(&zi->blockers);\n\n\tif (wait && atomic_read(&zi->blockers)) {"
        "\n\t\twait_for_completion(&zi->done);\n\t}\n\tkill_anon_super(sb);",
    )
    obs = EXTRACTORS["killsb.sb_wait"](_view(text))
    assert obs is not None and obs.value == "yes" and "whenever its test" in obs.text


def test_only_the_last_call_handed_the_state_releases_it() -> None:
    """Audit 2 #3: calls that only use the client before it goes (debugfs and sysfs
    cleanup) are not its teardown: a wait between them and the destroy covers it."""
    text = KILL.replace(
        "SHUTDOWN(sb);\n\tzz_destroy(zi);",
        "kill_anon_super(sb);\n\tzz_debugfs_cleanup(zi);\n"
        "\twait_for_completion(&zi->done);\n\tzz_destroy(zi);",
    )
    obs = EXTRACTORS["killsb.sb_wait"](_view(text))
    assert obs is not None and obs.value == "yes"
    assert obs.text == "zz_kill() waits with wait_for_completion() before zz_destroy()"


def test_no_is_read_only_from_the_top_of_the_function() -> None:
    """Audit 2 #1 for ->kill_sb: a hunk that starts below the top may hide a wait above
    it; unless the patch touches a wait, "no" is not read from such a fragment."""
    frag = "\tkill_anon_super(sb);\n\tzz_sysfs_cleanup(zi);\n\tzz_destroy(zi);\n"
    side = FunctionSide(
        name="zz_kill",
        text=frag,
        first_line=20,
        line_kinds=("context", "added", "context", "context"),
        complete=False,
        line_numbers=(20, 21, 22, 23),
    )
    fn = ChangedFunction("fs/x/super.c", "zz_kill", None, side)
    v = SideView(fn=fn, side="after", fs=side, body=parse_body(frag), file_text=NETFS_FILE)
    assert EXTRACTORS["killsb.sb_wait"](v) is None


def test_wait_after_the_teardown_does_not_count_and_scalars_are_not_state() -> None:
    text = """static void zz_kill(struct super_block *sb)
{
	struct zz_info *zi = ZZ_SB(sb);
	dev_t dev = sb->s_dev;

	generic_shutdown_super(sb);
	zz_cookie_release(sb);
	free_anon_bdev(dev);
	zz_put_info(zi);
	wait_event(zi->wq, !atomic_read(&zi->n));
}
"""
    obs = EXTRACTORS["killsb.sb_wait"](_view(text))
    assert obs is not None and obs.value == "no"
    # only the call handed the private state is the teardown (row 8: zz_put_info)
    assert obs.rows == (8,)


@pytest.mark.parametrize(
    "text",
    [
        "void zz(void) { kill_anon_super(); zz_free(x); }",
        "kill_block_super(sb);\n\tzz_put(zi",  # a broken fragment
        "}\n\tkill_anon_super(s);\n\tzz_session_close(ses);\n",  # hunk tail, no decl
        "",
    ],
)
def test_odd_text_never_raises(text: str) -> None:
    v = _view(text)
    if ROLES["kill-sb"](v):
        obs = EXTRACTORS["killsb.sb_wait"](v)
        assert obs is None or obs.value in ("no", "yes")


def test_fragment_without_the_declaration_still_reads_the_teardown() -> None:
    text = '\tkill_anon_super(s);\n\tp9x_debug(P9X_VFS, "done %p\\n", s);\n\tp9x_close(ses);\n'
    obs = EXTRACTORS["killsb.sb_wait"](_view(text))
    assert obs is not None and obs.value == "no" and "p9x_close()" in obs.text


def _example_readings() -> dict[int, Observed | None]:
    """killsb facts of every ->kill_sb in the rule's examples, keyed by the file line
    of the fact's first row (where a finding would point; the first teardown call
    after the shutdown when nothing was read)."""
    text = EXAMPLES.read_text(encoding="utf-8")
    fns = as_functions(text, EXAMPLES.name)
    peers = peers_of(fns, "after", text)
    out: dict[int, Observed | None] = {}
    for fn in fns:
        v = view(fn, "after", peers)
        assert v is not None
        if not ROLES["kill-sb"](v):
            continue
        obs = EXTRACTORS["killsb.sb_wait"](v)
        if obs is None:
            shutdown = v.body.calls_named({"kill_anon_super", "generic_shutdown_super"})[0]
            row = next(
                c.row
                for c in v.body.calls
                if c.byte > shutdown.byte and c.name not in WAIT_PRIMS and not c.in_condition
            )
        else:
            # "yes" rests on (wait, teardowns...): the mark sits on the first teardown
            row = obs.rows[1] if obs.value == "yes" else obs.rows[0]
        line = v.line_of(row)
        assert line is not None
        out[line] = obs
    return out


def test_examples_marks_match_the_fact_in_six_filesystems_styles() -> None:
    """The kill_sb examples (9p, afs, cifs, ceph, nfs, fuse styles): ruleid where the
    fact is "no", ok where it is "yes" or where nothing shows asynchronous requests."""
    found = marks(EXAMPLES.read_text(encoding="utf-8"), RULE)
    readings = _example_readings()
    no = {line for line, obs in readings.items() if obs is not None and obs.value == "no"}
    yes = {line for line, obs in readings.items() if obs is not None and obs.value == "yes"}
    quiet = {line for line, obs in readings.items() if obs is None}
    assert no <= set(found["ruleid"]) and not no & set(found["ok"])
    assert yes | quiet <= set(found["ok"])
    assert len(no) >= 3 and len(yes) >= 3 and len(quiet) >= 3
    helpers = {obs.via for obs in readings.values() if obs is not None and obs.via}
    assert helpers == {"p9x_wait_requests", "fusex_sb_destroy"}  # waits seen in helpers


def _kill_sb(msg: Message) -> tuple[Observed | None, Observed | None]:
    patch = diffparse.extract_patch(msg)
    fns = diffparse.changed_functions(patch)
    sides: list[Observed | None] = []
    side: Side
    for side in ("before", "after"):
        peers = peers_of(fns, side, patch.diff_text)
        (v,) = [x for fn in fns if (x := view(fn, side, peers)) is not None and ROLES["kill-sb"](x)]
        sides.append(EXTRACTORS["killsb.sb_wait"](v))
    return sides[0], sides[1]


def test_fix_fixture_gains_the_wait() -> None:
    (msg,) = kit.messages(FIX)
    before, after = _kill_sb(msg)
    assert before is not None and before.value == "no"
    assert "v9fs_session_cancel()" in before.text
    assert after is not None and after.value == "yes"
    assert (
        after.text == "v9fs_kill_super() waits with wait_var_event() before v9fs_session_cancel()"
    )


def test_fix_fixture_reversed_loses_the_wait_and_renamed_reads_the_same() -> None:
    (msg,) = kit.messages(FIX)
    before, after = _kill_sb(kit.text_message(kit.reverse(msg.body)))
    assert (before and before.value, after and after.value) == ("yes", "no")
    before, after = _kill_sb(kit.renamed(msg))
    assert (before and before.value, after and after.value) == ("no", "yes")


def test_cleanup_fixture_shows_no_requests_and_stays_quiet() -> None:
    """0123 moves cifs_kill_sb()'s root release into a helper: nothing in its hunks
    shows asynchronous requests (no netfs call, no wait), so the fact is not read and
    the rule says nothing (it would be "no" on both sides were it read)."""
    (msg,) = kit.messages(NEG)
    assert _kill_sb(msg) == (None, None)
    assert kit.run(msg).findings == ()


def test_evict_findings_hold_the_kill_sb_knob() -> None:
    """sb_wait is held by the evict role, so seed 001 is still a fix, not an
    inconclusive finding that turns on the ->kill_sb the patch does not show; the
    held value is listed, with its reason, and is not an assumption."""
    findings = kit.run(kit.messages(kit.SEEDS["001"])[0]).findings
    assert {(f.function, f.verdict) for f in findings} == {
        ("afs_evict_inode", "fixes"),
        ("cifs_evict_inode", "fixes"),
        ("v9fs_evict_inode", "fixes"),
    }
    for f in findings:
        assert dict(f.knobs_before)["sb_wait"] == dict(f.knobs_after)["sb_wait"] == "no"
        held = [x for x in f.facts if x.name == "sb_wait"]
        assert {x.side for x in held} == {"before", "after"}
        assert all(x.basis == "held" and not x.assumed for x in held)
        assert all("->kill_sb is judged on its own" in x.text for x in held)


# --------------------------------------------------------------------------- scenario


def _uaf(knobs: dict[str, str]) -> str:
    result = default_runner()("evict-vs-async-io", knobs)
    (p,) = [p for p in result.properties if p.property == "no-uaf"]
    return p.verdict


@pytest.mark.parametrize("wait_at", ["before_truncate", "before_clear_inode"])
def test_sb_wait_alone_keeps_the_fid_alive(wait_at: str) -> None:
    assert _uaf({"wait_for_io": "no", "sb_wait": "no"}) == "violated"
    assert _uaf({"wait_for_io": "no", "sb_wait": "yes", "wait_at": wait_at}) == "holds"
    assert _uaf({"wait_for_io": "yes", "sb_wait": "yes", "wait_at": wait_at}) == "holds"


def test_what_the_sb_wait_can_cover() -> None:
    """The docstring's claim: without the per-inode count the completion reads nothing
    of the inode, which is why a wait after eviction is enough in this model."""
    spec = all_scenarios()["evict-vs-async-io"]
    model = spec.build({**spec.defaults, "wait_for_io": "no", "sb_wait": "yes"})
    (io,) = [t for t in model.threads if t.name == "netfs-io"]
    assert not any(v.startswith("inode.") for i in io.program for v in i.reads)
    model = spec.build({**spec.defaults, "wait_for_io": "yes", "sb_wait": "yes"})
    (io,) = [t for t in model.threads if t.name == "netfs-io"]
    assert any("inode.alive" in i.reads for i in io.program)


def test_kill_sb_fix_is_reported_as_a_fix_and_its_reversal_as_introducing_the_race() -> None:
    (msg,) = kit.messages(FIX)
    (f,) = kit.run(msg).findings
    assert (f.rule, f.function, f.verdict, f.confidence) == (
        RULE,
        "v9fs_kill_super",
        "fixes",
        "high",
    )
    held = {(x.name, x.value) for x in f.facts if x.basis == "held"}
    assert held == {("wait_for_io", "no"), ("wait_at", "before_truncate")}
    assert not any(x.assumed for x in f.facts)  # nothing varied, nothing assumed
    assert "wait_var_event() before v9fs_session_cancel()" in f.message
    assert "held" not in f.message  # the message quotes only the facts read
    reversed_ = kit.text_message(kit.reverse(msg.body))
    assert kit.verdicts(kit.run(reversed_)) == [(RULE, "v9fs_kill_super", "introduces")]


# --------------------------------------------------------------------------- audit 2 (#3, #6)


def _found(name: str) -> list[tuple[str, str]]:
    (path,) = kit.FIX.glob(f"{name}-*")
    return [(f.function, f.verdict) for m in kit.messages(path) for f in kit.run(m).findings]


@pytest.mark.parametrize("name", ["0124", "0125", "0127"])
def test_waits_that_cover_the_teardown_and_a_wait_alone_stay_quiet(name: str) -> None:
    """0124: ceph-style wait for counted blockers (``if (wait && atomic_read(..))``);
    0125: the wait in a bare block; both patches only add a sysfs cleanup call. 0127:
    a block filesystem adds flush_workqueue() before destroy_workqueue(): a wait is no
    sign of requests, and destroy_workqueue() drains the queue itself."""
    assert _found(name) == []


def test_a_wait_made_optional_introduces_the_race() -> None:
    """0126: the unconditional wait becomes ``if (clnt->opts & QUX_OPT_WAIT)``: a test
    that says nothing about outstanding requests, on a wait the patch touches."""
    (path,) = kit.FIX.glob("0126-*")
    (msg,) = kit.messages(path)
    (f,) = kit.run(msg).findings
    assert (f.function, f.verdict) == ("qux_kill_sb", "introduces")
    assert "runs only if clnt->opts & QUX_OPT_WAIT" in f.message
