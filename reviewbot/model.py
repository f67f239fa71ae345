"""Frozen dataclasses passed between the pipeline stages (DESIGN.md, "Pipeline").

    bytes -mail-> Message -diffparse-> Patch -functions-> ChangedFunction
          -rules-> Finding (with sim results) -review-> Review -render-> outputs

No stage passes another library's objects (unidiff, tree-sitter, email) past its
boundary: everything that crosses a stage is one of these types. Fields may be added
(with defaults) but never renamed without updating every stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

Severity = Literal["info", "warning", "error"]
LineKind = Literal["context", "added", "removed"]
Side = Literal["before", "after"]
Verdict = Literal["fixes", "introduces", "remains", "not-affected", "inconclusive"]
PropertyVerdict = Literal["violated", "holds", "inconclusive"]


# --------------------------------------------------------------------------- mail


@dataclass(frozen=True)
class Diagnostic:
    """Something reviewbot noticed about the input; never an exception."""

    code: str  # kebab-case, stable: "collapsed-newlines", "no-diff", "repaired-context", ...
    message: str  # one line a user can act on
    severity: Severity = "warning"
    where: str = ""  # "inbox.mbox message 3", "fs/9p/vfs_inode.c hunk 2", ...


@dataclass(frozen=True)
class Address:
    name: str
    addr: str

    def formatted(self) -> str:
        from email.headerregistry import Address as _A

        try:
            return str(_A(display_name=self.name, addr_spec=self.addr))
        except (ValueError, IndexError):
            return self.addr


@dataclass(frozen=True)
class Subject:
    """A subject line in b4's vocabulary: ``[PATCH RFC v3 2/5] fs: title``."""

    raw: str
    title: str  # without the bracketed prefixes and without "Re:"
    prefixes: tuple[str, ...] = ()  # every bracketed token, e.g. ("PATCH", "RFC", "v3", "2/5")
    version: int = 1
    counter: int | None = None
    total: int | None = None
    rfc: bool = False
    resend: bool = False
    is_reply: bool = False  # "Re:" / "Aw:" / "Sv:" ...


@dataclass(frozen=True)
class Trailer:
    name: str  # "Signed-off-by", "Reviewed-by", "Fixes", ...
    value: str


@dataclass(frozen=True)
class Message:
    """One parsed mail. Header values are already decoded to str and sanitised
    (no CR/LF); ``body`` is the decoded text of the part(s) that carry prose/diff."""

    msgid: str  # without angle brackets; synthesised (and diagnosed) when missing
    subject: Subject
    from_: Address | None
    reply_to: tuple[Address, ...] = ()
    x_original_from: Address | None = None
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    date: str = ""  # the Date header as sent
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    body: str = ""
    trailers: tuple[Trailer, ...] = ()
    source: str = ""  # where it came from: "inbox.mbox message 3", "maildir/new/123", "-"
    diagnostics: tuple[Diagnostic, ...] = ()
    raw_size: int = 0


@dataclass(frozen=True)
class Series:
    """A cover letter and its parts, one version of one series."""

    key: str  # stable id: msgid of the cover letter or of part 1
    version: int
    total: int | None
    cover: str | None  # msgid of the cover letter
    parts: tuple[str, ...]  # msgids ordered by counter
    complete: bool


# --------------------------------------------------------------------------- diff


@dataclass(frozen=True)
class DiffLine:
    kind: LineKind
    text: str  # without the leading +/-/space
    old_lineno: int | None  # line in the pre-image (context, removed)
    new_lineno: int | None  # line in the post-image (context, added)
    posted: str = ""  # the line exactly as it appeared in the mail (for quoting)


@dataclass(frozen=True)
class Hunk:
    old_start: int
    old_count: int
    new_start: int
    new_count: int
    section: str  # git's "@@ ... @@ section" hint; often wrong about the function
    lines: tuple[DiffLine, ...]
    repaired: bool = False  # context lines had lost their leading space


@dataclass(frozen=True)
class FileChange:
    old_path: str | None  # None for a new file
    new_path: str | None  # None for a deleted file
    status: Literal["modified", "added", "deleted", "renamed", "copied", "binary", "mode"]
    hunks: tuple[Hunk, ...] = ()
    old_blob: str | None = None  # from "index abc123..def456"
    new_blob: str | None = None
    old_mode: str | None = None
    new_mode: str | None = None

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""


@dataclass(frozen=True)
class Recovered:
    """What survives of a message whose diff could not be parsed (degraded analysis)."""

    files: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()  # from @@ section headers and prose
    calls: tuple[str, ...] = ()  # identifiers followed by "(" in the text
    commit_message: str = ""


@dataclass(frozen=True)
class Patch:
    message: Message
    files: tuple[FileChange, ...]
    commit_message: str = ""  # the prose above the diff (or the whole text when no diff)
    diff_text: str = ""  # the diff as extracted (unquoted, repaired)
    degraded: bool = False  # the diff could not be (fully) recovered
    recovered: Recovered | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    patch_id: str = ""  # stable id of the diff content (like git patch-id), "" if none


# --------------------------------------------------------------------------- functions


@dataclass(frozen=True)
class Call:
    name: str  # callee as written: "filemap_fdatawrite", "ops->write", "p9_client_getattr_dotl"
    args: tuple[str, ...]  # argument texts
    line: int  # line number in the real file of this side
    kind: LineKind
    text: str  # the whole call expression


@dataclass(frozen=True)
class Assignment:
    left: str  # "v9inode->cache_validity"
    op: str  # "=", "|=", "&=", "+=", ...
    right: str  # "V9FS_INO_INVALID_ATTR", "~FLAG"
    line: int
    kind: LineKind
    declaration: bool = False  # "int ret = ..." rather than "ret = ..."


@dataclass(frozen=True)
class Condition:
    text: str  # the condition expression of if/while/for/?:
    line: int
    kind: LineKind


@dataclass(frozen=True)
class FunctionSide:
    """One side of a changed function: the pre-image (before) or post-image (after)."""

    name: str
    text: str  # source text of what is known of the function on this side
    first_line: int  # real file line number of text's first line
    line_kinds: tuple[LineKind, ...]  # one per line of ``text``
    complete: bool  # the whole function (from --tree) rather than hunk fragments
    calls: tuple[Call, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    conditions: tuple[Condition, ...] = ()
    labels: tuple[str, ...] = ()
    gotos: tuple[str, ...] = ()
    returns: tuple[str, ...] = ()  # returned expression texts
    # Real file line of each line of ``text`` (added by the ingest stage): fragments
    # from several hunks have gaps, so ``first_line + i`` is only right when this is
    # empty. Use ``reviewbot.diffparse.cparse.parse_side(side).line_of(row)``.
    line_numbers: tuple[int, ...] = ()
    # The definition's first line when only git's @@ hint shows it: the fragment starts
    # on a continuation line of the parameter list (diffparse.signature). Not part of
    # ``text``; ``parse_side`` parses it above the text, so the parameters are known.
    signature_head: str = ""


@dataclass(frozen=True)
class ChangedFunction:
    file: str
    name: str
    before: FunctionSide | None  # None: the function is new
    after: FunctionSide | None  # None: the function is removed
    hunks: tuple[int, ...] = ()  # indexes into FileChange.hunks
    header_hint: str = ""  # what git's @@ header claimed
    registered_as: tuple[str, ...] = ()  # ops slots seen in the patch: ".getattr", ".evict_inode"


# --------------------------------------------------------------------------- simulation


@dataclass(frozen=True)
class TraceStep:
    thread: str  # thread name, e.g. "getattr"
    label: str  # kernel-flavoured step label, e.g. "filemap_fdatawrite() (no wait)"
    changes: tuple[tuple[str, str], ...] = ()  # (variable, new value) pairs shown in traces
    note: str = ""  # "<-- i_size went backwards" on the violating step


@dataclass(frozen=True)
class SimStats:
    states: int
    transitions: int
    executions: int  # every execution explored: complete runs plus pruned prefixes
    seconds: float
    complete: bool  # False for bounded/random/budget-exhausted runs
    pruned: int = 0  # of ``executions``: prefixes cut by the sleep sets (or a cycle)


@dataclass(frozen=True)
class PropertyResult:
    property: str  # "isize-monotonic"
    kind: Literal["always", "assert", "at_end", "deadlock", "sometimes"]
    description: str  # "i_size never goes backwards without a truncate"
    verdict: PropertyVerdict
    trace: tuple[TraceStep, ...] = ()  # counterexample (or witness, for sometimes)
    replay: str = ""


@dataclass(frozen=True)
class SimResult:
    scenario: str
    knobs: tuple[tuple[str, str], ...]  # sorted (name, value)
    threads: tuple[str, ...]  # column headers, e.g. ("CPU0 (write)", "CPU1 (getattr)")
    properties: tuple[PropertyResult, ...]
    stats: SimStats

    @property
    def verdict(self) -> PropertyVerdict:
        """violated if any safety property is violated, inconclusive if any could
        not be decided, else holds. ``sometimes`` witnesses do not count here."""
        safety = [p for p in self.properties if p.kind != "sometimes"]
        if any(p.verdict == "violated" for p in safety):
            return "violated"
        if any(p.verdict == "inconclusive" for p in safety):
            return "inconclusive"
        return "holds"


# --------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class Fact:
    """A fact read from one side of the code (or assumed) that set a scenario knob."""

    name: str  # "flush", "waits_for_io"
    value: str  # "fdatawrite"
    side: Side
    # e.g. "getattr calls filemap_fdatawrite() and does not wait before p9_client_getattr_dotl()"
    text: str
    line: int | None = None
    file: str = ""
    function: str = ""
    assumed: bool = False  # not visible in the patch: documented default used
    # "held": a knob of another role's code, fixed by the rule while it judges this
    # function (with the reason in ``text``); not an assumption, never varied
    basis: Literal["code", "tree", "description", "default", "held"] = "code"
    # read from the lines shown while lines that could change it are not (the top of
    # the function, a helper's body): a verdict resting on it is not high confidence
    partial: bool = False


@dataclass(frozen=True)
class Finding:
    rule: str
    title: str
    scenario: str
    verdict: Verdict
    severity: Severity
    confidence: Literal["low", "medium", "high"]
    file: str
    function: str
    line: int | None  # post-image line the finding is about (pre-image if removed)
    knobs_before: tuple[tuple[str, str], ...]
    knobs_after: tuple[tuple[str, str], ...]
    facts: tuple[Fact, ...]
    sim_before: SimResult | None
    sim_after: SimResult | None
    invariant: str = ""  # the violated property's name on the side that matters
    preexisting: bool = False  # about code the patch did not change
    degraded: bool = False  # based on a damaged diff or on the description only
    hunk: int | None = None  # index into the FileChange's hunks, for quoting
    message: str = ""  # one-paragraph explanation, interpolating the user's identifiers
    # The scenario properties the rule judges (empty: every safety property); a side's
    # verdict as shown to users is the verdict over these, not the whole simulation's.
    properties: tuple[str, ...] = ()
    # For an inconclusive finding whose verdict turns on facts nobody read: every
    # verdict the simulations give over the values tried (the facts as read included),
    # sorted; empty otherwise (e.g. a verdict that rests on a description).
    outcomes: tuple[Verdict, ...] = ()

    @property
    def assumed(self) -> tuple[Fact, ...]:
        return tuple(f for f in self.facts if f.assumed)


@dataclass(frozen=True)
class PatchReport:
    """Everything reviewbot concluded about one message."""

    patch: Patch
    functions: tuple[ChangedFunction, ...]
    findings: tuple[Finding, ...]
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def reportable(self) -> tuple[Finding, ...]:
        """Findings worth telling the author about (not 'not-affected')."""
        return tuple(f for f in self.findings if f.verdict != "not-affected")

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        """Why the message could not be reviewed (an unreadable diff, an analysis that
        failed): no findings then means "not reviewed", never "nothing found"."""
        return tuple(d for d in self.diagnostics if d.severity == "error")


@dataclass(frozen=True)
class CheckOptions:
    tree: str | None = None  # kernel checkout for full pre-images
    min_severity: Severity = "info"
    disabled_rules: tuple[str, ...] = ()
    budget_states: int = 2_000_000
    always: bool = False  # draft even with no findings
    summary: bool = False  # one reply to the cover letter per series
    extra: tuple[tuple[str, str], ...] = field(default_factory=tuple)


class RunLike(Protocol):
    """What output stages need of a check run (``reviewbot.pipeline.CheckRun``);
    a protocol so that renderers need not import the pipeline."""

    @property
    def reports(self) -> tuple[PatchReport, ...]: ...

    @property
    def series(self) -> tuple[Series, ...]: ...

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]: ...
