"""`collect`: read every returned file of an inbox, identify, validate, record, give feedback.

Files are taken in name order. A file is either recorded whole (all its tables
together) or not at all; a file that cannot be read or identified is recorded as
rejected, with the reason. Each file is one transaction (``ledger.transaction``): a
failure or Ctrl-C rolls back the file in hand only; the files before it are committed.
(The ledger's WAL mode makes a commit cheap: see ``ledger``.) Nothing is printed here:
the caller gets a :class:`CollectResult` (items in file order) and a ``progress``
callback.

Speed: a small inbox is collected in this process, the files after the one being
recorded prepared ahead (read, parsed, identified, validated, rows encoded for the
ledger) in threads (:class:`_Preparers`). A large one is shared with a worker process
that collects files the same way, into the same ledger (:class:`_Worker`); ledger ids
then follow the order in which files were recorded, not their names. Feedback
workbooks are written in another process (``feedback.FeedbackWriter``: the worker, or
a process of their own).

Decisions (see also the README):

- ``--month/--district/--table`` are identification sources only, ranked as DOMAIN.md
  orders them (after the template's metadata, before the file name, sheet name, title
  and content); they do not filter: every file of the inbox is collected.
- A file that fails with an unexpected error (a bug, MemoryError) is reported as
  rejected (code ``internal-error``) but **not** recorded in the ledger, so that a later
  run, with the bug fixed, reads it again instead of calling it a known rejection.
- Two sheets of one workbook identified as the same (district, month, table): the first
  is taken, the second is rejected (``same-table-twice``) — counting both would double.
- The outcome ``superseded`` is read back from the ledger after the run, so it follows
  received times (file mtimes), whatever order the files were collected in.
- Feedback goes to ``feedback_dir/<month>/<district>/`` (``feedback_path``); never into
  the inbox: a feedback folder inside the inbox is refused (it would be collected next
  time).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from gongjian_cli import ledger
from gongjian_cli.clock import DEFAULT_ZONE, to_local
from gongjian_cli.errors import FileRejected, UsageError
from gongjian_cli.intake import Incoming
from gongjian_cli.models import (
    Finding,
    Identity,
    Rejection,
    Submission,
    TemplateMeta,
    make_finding,
)
from gongjian_cli.schema import (
    COLUMNS,
    OUTCOME_LABEL,
    TABLE_ATTACHMENT,
    TABLE_SHORT,
    Outcome,
    Severity,
    Table,
)
from gongjian_cli.targets import Targets
from gongjian_cli.validation import validate_rows
from gongjian_cli.year.pairs import NamePair

INTERNAL_ERROR = "internal-error"


@dataclass(slots=True)
class TableResult:
    """What collect did with one table of a file (or with a whole file it could not use)."""

    path: Path
    file_name: str
    outcome: Outcome
    sheet: str | None = None
    district: str | None = None
    month: str | None = None
    table: Table | None = None
    rows: int = 0
    errors: int = 0
    warnings: int = 0
    reason: str | None = None  # rejected / skipped / duplicate: why (Chinese)
    code: str | None = None  # rejection code (``no-table``, ``unidentified``, …)
    submission_id: int | None = None
    superseded_by: int | None = None
    identified_by: dict[str, str] = field(default_factory=dict)
    feedback: Path | None = None
    received_at: datetime | None = None
    #: checks against last month (``year.checks``), counted in ``warnings``
    year_findings: list[Finding] = field(default_factory=list)
    #: the file as taken from the inbox (its feedback is written from it); not in JSON
    source: Incoming | None = field(default=None, repr=False)

    def display_name(self, inbox: Path) -> str:
        """The file as the clerk finds it: its path inside the inbox (``2020-05/x.xlsx``)."""
        try:
            return self.path.relative_to(inbox).as_posix()
        except ValueError:
            return self.file_name

    @property
    def still_rejected(self) -> bool:
        """Rejected now, or a copy of a file rejected before for the same reason."""
        return self.outcome is Outcome.REJECTED or (
            self.outcome is Outcome.DUPLICATE and self.code is not None
        )

    @property
    def outcome_label(self) -> str:
        label = OUTCOME_LABEL[self.outcome]
        return f"{label}：{self.reason}" if self.reason and self.still_rejected else label

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "file": self.file_name,
            "sheet": self.sheet,
            "district": self.district,
            "month": self.month,
            "table": None if self.table is None else str(self.table),
            "rows": self.rows,
            "errors": self.errors,
            "warnings": self.warnings,
            "outcome": str(self.outcome),
            "code": self.code,
            "reason": self.reason,
            "submission_id": self.submission_id,
            "superseded_by": self.superseded_by,
            "identified_by": self.identified_by,
            "feedback": None if self.feedback is None else str(self.feedback),
            "received_at": None if self.received_at is None else self.received_at.isoformat(),
            "year_findings": [f.to_dict() for f in self.year_findings],
        }


@dataclass(slots=True)
class CollectResult:
    """Every table (or unusable file) of one run, in collection order."""

    inbox: Path
    items: list[TableResult] = field(default_factory=list)
    feedback_dir: Path | None = None
    feedback_files: list[Path] = field(default_factory=list)
    feedback_errors: list[str] = field(default_factory=list)  # file: what went wrong

    def count(self, outcome: Outcome) -> int:
        return sum(1 for i in self.items if i.outcome is outcome)

    @property
    def rejected(self) -> int:
        """Items that are rejected, including files rejected before and seen again."""
        return sum(1 for i in self.items if i.still_rejected)

    @property
    def error_findings(self) -> int:
        """Error findings in tables recorded by this run (accepted or superseded)."""
        return sum(i.errors for i in self.items if i.outcome in _RECORDED)

    @property
    def warning_findings(self) -> int:
        return sum(i.warnings for i in self.items if i.outcome in _RECORDED)

    def exit_code(self, *, strict: bool = False) -> int:
        """0 when all processed; 1 when a file is rejected (in this run, or unchanged since
        an earlier one), or with ``strict`` when a table recorded now has an error finding."""
        if self.rejected or (strict and self.error_findings):
            return 1
        return 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "inbox": str(self.inbox),
            "items": [i.to_dict() for i in self.items],
            "totals": {str(o): self.count(o) for o in Outcome},
            "errors": self.error_findings,
            "warnings": self.warning_findings,
            "feedback_dir": None if self.feedback_dir is None else str(self.feedback_dir),
            "feedback_files": [str(p) for p in self.feedback_files],
            "feedback_errors": self.feedback_errors,
        }


_RECORDED = (Outcome.ACCEPTED, Outcome.SUPERSEDED)


def table_label(table: Table) -> str:
    """``附件2 谋划`` as used in tables and feedback."""
    return f"{TABLE_ATTACHMENT[table]} {TABLE_SHORT[table]}"


def check_feedback_dir(feedback_dir: Path, inbox: Path) -> None:
    """UsageError when ``feedback_dir`` lies inside ``inbox`` (feedback would be collected)."""
    fb, ib = feedback_dir.resolve(), inbox.resolve()
    if fb == ib or ib in fb.parents:
        raise UsageError(
            f"反馈文件夹 {feedback_dir} 在收件箱 {inbox} 之内，下次收集会把反馈当作报表读入；"
            "请用 --feedback 指定收件箱以外的文件夹"
        )


def collect_inbox(
    inbox: Path,
    conn: sqlite3.Connection,
    *,
    targets: Targets,
    options: Any,
    feedback_dir: Path | None,
    progress: Callable[[Path], None] | None = None,
    listing: tuple[Sequence[Incoming | Path], list[tuple[Path, str]]] | None = None,
    pairs: Sequence[NamePair] = (),
) -> CollectResult:
    """Collect every returned file of ``inbox`` into the ledger ``conn``.

    ``options`` is an ``identify.IdentifyOptions`` (district, month, table given on the
    command line). ``feedback_dir`` is the root of the feedback folders (None: write
    none). ``progress`` is called with each file's path before it is read (for a member
    of a zip or an e-mail, ``包.zip/成员.xlsx`` under the container's folder). ``listing``
    (optional) is the inbox as ``intake.iter_incoming`` lists it (files, skipped; plain
    paths are taken as loose files), for a caller that needed the count first. ``pairs``
    are the name-pair file's (project identity for the checks against last month,
    ``year.checks``).
    """
    from gongjian_cli.intake import iter_incoming

    if feedback_dir is not None:
        check_feedback_dir(feedback_dir, inbox)
    result = CollectResult(inbox=inbox, feedback_dir=feedback_dir)
    listed, skipped = listing if listing is not None else iter_incoming(inbox)
    files = sorted((as_incoming(f) for f in listed), key=lambda f: f.location)
    collector = _Collector(conn, targets=targets, options=options, feedback=None, pairs=pairs)
    # A large inbox is shared with a worker process that collects files the way this
    # process does (see _Worker); a small one is collected here, with the files ahead
    # prepared in threads (see _Preparers).
    worker = None
    if len(files) >= PROCESS_MIN_FILES:
        worker = _Worker.start(collector, conn, feedback_dir)
    feedback = None
    if feedback_dir is not None:
        from gongjian_cli.feedback import FeedbackWriter

        # with a worker, it writes this process's feedback too (no process of its own)
        pool = worker.pool if worker is not None else None
        feedback = _Feedback(feedback_dir, FeedbackWriter(pool=pool))
        collector.feedback = feedback
    per_file: list[list[TableResult]] = [[] for _ in files]
    against_last_month = _AgainstLastMonth(conn, collector, feedback)
    try:
        if worker is not None:

            def nearly_done() -> None:
                against_last_month.early([i for items in per_file for i in items])

            _collect_shared(collector, worker, files, per_file, progress, nearly_done)
        else:
            _collect_here(collector, files, per_file, progress)
        for items in per_file:
            result.items.extend(items)
        for path, reason in skipped:
            name = _skipped_name(path, inbox)
            result.items.append(
                TableResult(path=path, file_name=name, outcome=Outcome.SKIPPED, reason=reason)
            )
        _read_back_supersession(conn, result.items)
        against_last_month.final(result)
        if feedback is not None:
            feedback.finish(result)
        if worker is not None:
            result.feedback_errors.extend(worker.feedback_errors)
        _list_feedback(result)
    finally:
        if worker is not None:
            worker.shutdown()
        if feedback is not None:
            feedback.writer.close()
    return result


class _AgainstLastMonth:
    """The checks against last month (``year.checks``) of a run's tables, made on what the
    ledger holds once the run is recorded: so the result does not depend on which file of
    the run was read first. The findings land on the items (warnings), and the feedback
    of a file that got some is written again with them.

    Not as each file lands: there the reads of last month's table wait on the GIL while
    collect's reader threads parse (a millisecond's read took five). With a worker
    process, an early pass (:meth:`early`) checks what is recorded when the last files
    are being collected, and rewrites the feedback of the files it finds something in,
    beside the worker's last files; the final pass (:meth:`final`) then checks again only
    the tables the files recorded since can change (``check_recorded(earlier=…)``) and
    rewrites a feedback only where its findings differ from the early pass's.
    """

    def __init__(
        self, conn: sqlite3.Connection, collector: _Collector, feedback: _Feedback | None
    ) -> None:
        self.conn = conn
        self.collector = collector
        self.feedback = feedback
        self.earlier: Any = None  # year.checks.Recorded of the early pass
        self.written: dict[Path, list[Finding]] = {}  # feedback rewritten with these

    def early(self, items: Sequence[TableResult]) -> None:
        """Check the tables recorded so far; rewrite the feedback of those with findings."""
        recorded = self._recorded(items)
        if recorded:
            self.earlier = self._check(recorded)
            self._rewrite(recorded, self.earlier.findings, items)

    def final(self, result: CollectResult) -> None:
        """Check the run as recorded (reusing the early pass where nothing changed); set
        the findings on the items; rewrite the feedback that changed."""
        recorded = self._recorded(result.items)
        if not recorded:
            return
        checked = self._check(recorded)
        for sid, found in checked.findings.items():
            item = recorded[sid]
            item.year_findings = found
            item.warnings += len(found)
        self._rewrite(recorded, checked.findings, result.items)

    @staticmethod
    def _recorded(items: Sequence[TableResult]) -> dict[int, TableResult]:
        return {
            i.submission_id: i
            for i in items
            if i.outcome is Outcome.ACCEPTED and i.submission_id is not None
        }

    def _check(self, recorded: dict[int, TableResult]) -> Any:
        from gongjian_cli.year.checks import check_recorded

        targets = self.collector.targets
        return check_recorded(
            self.conn,
            list(recorded),
            year=targets.year,
            deadline_day=targets.deadline_day,
            pairs=self.collector.pairs,
            earlier=self.earlier,
        )

    def _rewrite(
        self,
        recorded: dict[int, TableResult],
        findings: dict[int, list[Finding]],
        items: Sequence[TableResult],
    ) -> None:
        """Rewrite the feedback of each file whose findings against last month differ from
        those its feedback was last written with."""
        if self.feedback is None:
            return
        by_file: dict[Path, list[Finding]] = {}
        for sid, found in findings.items():
            by_file.setdefault(recorded[sid].path, []).extend(found)
        changed = {
            path
            for path in by_file.keys() | self.written.keys()
            if by_file.get(path, []) != self.written.get(path, [])
        }
        if not changed:
            return
        files: dict[Path, list[TableResult]] = {}
        for item in items:  # every table of those files, for their feedback
            if item.path in changed and item.outcome in _RECORDED and item.submission_id:
                files.setdefault(item.path, []).append(item)
        for path, tables in files.items():
            self.written[path] = by_file.get(path, [])
            self.feedback.rewrite(self.conn, path, tables, self.written[path])


def _collect_here(
    collector: _Collector,
    files: list[Incoming],
    per_file: list[list[TableResult]],
    progress: Callable[[Path], None] | None,
) -> None:
    """Collect ``files`` in this process, in order, the next ones prepared in threads."""
    preparers = _Preparers(collector)
    queue: deque[tuple[int, Incoming, Future[Any]]] = deque()
    pending = iter(enumerate(files))

    def read_ahead() -> None:
        while len(queue) < READ_AHEAD and (nxt := next(pending, None)) is not None:
            queue.append((*nxt, preparers.submit(nxt[1])))

    try:
        read_ahead()
        while queue:
            index, src, future = queue.popleft()
            read_ahead()
            if progress is not None:
                progress(src.location)
            per_file[index] = collector.collect_file(src, future)
    finally:
        preparers.shutdown()


def _collect_shared(
    collector: _Collector,
    worker: _Worker,
    files: list[Incoming],
    per_file: list[list[TableResult]],
    progress: Callable[[Path], None] | None,
    nearly_done: Callable[[], None] | None = None,
) -> None:
    """Collect ``files`` here and in ``worker`` at once: each takes the next file in
    order when it is free (each worker is kept WORKER_AHEAD files ahead), so the faster
    side does more. ``progress`` follows the order in which files are taken.
    ``nearly_done`` is called once, here, when NEARLY_DONE files are left to take (the
    worker busy with its own meanwhile)."""
    from concurrent.futures import FIRST_COMPLETED, wait

    pending = deque(enumerate(files))
    outstanding: dict[Future[Any], tuple[int, Incoming]] = {}

    def take() -> tuple[int, Incoming]:
        index, src = pending.popleft()
        if progress is not None:
            progress(src.location)
        return index, src

    def feed(ahead: int) -> None:
        while worker.alive and pending and len(outstanding) < ahead * worker.processes:
            index, path = take()
            future = worker.submit(path)
            if future is None:  # the worker is gone: this file (and the rest) here
                per_file[index] = collector.collect_file(path)
                break
            outstanding[future] = (index, path)

    while pending or outstanding:
        feed(WORKER_AHEAD)
        for future in [f for f in outstanding if f.done()]:
            index, path = outstanding.pop(future)
            per_file[index] = worker.result(future, path, collector)
        if nearly_done is not None and len(pending) <= NEARLY_DONE:
            feed(2 * WORKER_AHEAD)  # enough for the worker while this process is busy
            nearly_done()
            nearly_done = None
        if pending:
            index, path = take()
            per_file[index] = collector.collect_file(path)
        elif outstanding:
            wait(outstanding, return_when=FIRST_COMPLETED)


def _list_feedback(result: CollectResult) -> None:
    """The feedback files written, once each, in the order of the items."""
    seen: set[Path] = set()
    for item in result.items:
        if item.feedback is not None and item.feedback not in seen:
            seen.add(item.feedback)
            result.feedback_files.append(item.feedback)


READ_THREADS = 2
READ_AHEAD = 6
#: From this many files on, a worker process collects files alongside this one (below
#: it, starting the process costs more than it saves: see _Worker).
PROCESS_MIN_FILES = 100
#: Files handed to the worker before it is done with the previous ones (so that it never
#: waits for this process, which may be busy with a file of its own).
WORKER_AHEAD = 4
#: Files left to take when the checks against last month make their early pass (see
#: _AgainstLastMonth): the worker's own files go on meanwhile.
NEARLY_DONE = 8
#: Worker processes at most (one per core beyond the first; see _Worker).
MAX_WORKERS = 3

_Read = tuple[Any, TemplateMeta | None]  # (reading.RawWorkbook, template metadata)


@dataclass(slots=True)
class _PreparedTable:
    """One table of a prepared file: its item, and what to record (None: nothing).

    ``sub`` comes without its rows and cells: they are in ``rows``, encoded for the ledger.
    """

    item: TableResult
    sub: Submission | None = None
    rows: ledger.EncodedRows | None = None
    rej: Rejection | None = None


@dataclass(slots=True)
class _Prepared:
    """One file made ready for the ledger."""

    tables: list[_PreparedTable]


def read_file(src: Incoming | Path) -> _Read:
    """Read a returned file and its template metadata (FileRejected when unreadable)."""
    from gongjian_cli.intake import read_incoming
    from gongjian_cli.metadata import read_template_meta

    src = as_incoming(src)
    wb = read_incoming(src)
    if wb.kind in TEXT_KINDS:  # an export or CSV: no template wrote it
        return wb, None
    carrier = src.data if src.data is not None else src.path
    assert carrier is not None
    return wb, read_template_meta(carrier, sheets=wb.sheets)


#: Formats read as text tables (``intake.tables``): their feedback is a converted copy.
TEXT_KINDS = frozenset({"html", "xml2003", "csv"})


def as_incoming(src: Incoming | Path) -> Incoming:
    """A loose file of the inbox as an ``Incoming`` (received: its modification time)."""
    if isinstance(src, Incoming):
        return src
    path = Path(src)
    try:
        received = _received_at(path)
    except OSError:
        received = datetime.now()
    return Incoming(path.name, None, path, received)


def _skipped_name(path: Path, inbox: Path) -> str:
    """A skipped file's name as shown: a member keeps its container (``包.zip/x.txt``)."""
    try:
        parts = path.relative_to(inbox).parts
    except ValueError:
        return path.name
    for i, part in enumerate(parts[:-1]):
        if part.lower().endswith((".zip", ".eml")):
            return "/".join(parts[i:])
    return path.name


class _Feedback:
    """The feedback of a run: a job per file as soon as the file is recorded (written in
    another process while collecting goes on), its path set on the items at the end."""

    def __init__(self, root: Path, writer: Any) -> None:
        self.root = root
        self.writer = writer  # feedback.FeedbackWriter
        self.items: list[list[TableResult]] = []  # per job: the items it is for

    def findings(self, src: Incoming, items: list[TableResult], findings: list[Finding]) -> None:
        job = self._job(src, items, findings)
        if job is not None:
            self.writer.submit(job)
            self.items.append(items)

    def _job(self, src: Incoming, items: list[TableResult], findings: list[Finding]) -> Any:
        from gongjian_cli.feedback import FeedbackJob, feedback_path

        first = items[0]
        if first.district is None or first.month is None:
            return None
        labels = "、".join(table_label(i.table) for i in items if i.table is not None)
        return FeedbackJob(
            out_path=feedback_path(self.root / first.month, first.district, src.flat_name),
            file_name=src.display_name,
            district=first.district,
            month=first.month,
            source=src.path,
            findings=tuple(findings),
            table_label=labels,
            source_data=src.data,
        )

    def rejection(self, src: Incoming, item: TableResult) -> None:
        from gongjian_cli.feedback import FeedbackJob, feedback_path

        month = item.month or (item.received_at or datetime.now()).strftime("%Y-%m")
        job = FeedbackJob(
            out_path=feedback_path(self.root / month, item.district, src.flat_name),  # 未识别/
            file_name=src.display_name,
            district=item.district,
            month=item.month,
            reason=item.reason or "",
        )
        self.writer.submit(job)
        self.items.append([item])

    def rewrite(
        self,
        conn: sqlite3.Connection,
        path: Path,
        items: list[TableResult],
        year_findings: list[Finding],
    ) -> None:
        """Write the feedback of the file at ``path`` (its recorded ``items``) again, with
        its checks against last month ``year_findings``: a job after the file's first one
        (a few files at most; rarely any). Left with no finding at all, the file's
        feedback written before is removed."""
        ids = [i.submission_id for i in items if i.submission_id is not None]
        findings = ledger.submission_findings(conn, ids) + year_findings
        src = next((i.source for i in items if i.source is not None), None)
        job = self._job(src or as_incoming(path), items, findings)
        if job is None:
            return
        self.writer.wait_for(job.out_path)  # its first job, if any, is done
        if findings:
            self.writer.submit(job)
            self.items.append(items)
        else:
            self.writer.withdraw(job.out_path)

    def finish(self, result: CollectResult) -> None:
        """Wait for every job and set the path written on its items; a failure is noted
        in ``result.feedback_errors``, never fatal (the ledger is committed)."""
        result.feedback_errors.extend(self.drain())

    def drain(self) -> list[str]:
        """Wait for the jobs so far, set their items' ``feedback``; the failures."""
        errors = []
        for items, (job, written) in zip(self.items, self.writer.results(), strict=True):
            if isinstance(written, BaseException):  # the run's data is safe; tell the clerk
                errors.append(f"{job.file_name}：{type(written).__name__}: {written}")
                continue
            if written is None:  # withdrawn: nothing to report after all
                continue
            for item in items:
                item.feedback = written
        self.items = []
        return errors


class _Collector:
    def __init__(
        self,
        conn: Any,  # sqlite3.Connection; None in a worker process (prepare only)
        *,
        targets: Targets,
        options: Any,
        feedback: _Feedback | None,
        pairs: Sequence[NamePair] = (),
    ) -> None:
        self.conn = conn
        self.targets = targets
        self.options = options
        self.feedback = feedback
        self.pairs = tuple(pairs)

    # -- one file ------------------------------------------------------------------------
    def collect_file(
        self, src: Incoming | Path, prepared: Future[Any] | None = None
    ) -> list[TableResult]:
        """Prepare and record one file; never raises but KeyboardInterrupt.

        ``prepared`` is the file already being prepared ahead (see :meth:`prepare` and
        _Preparers); without it the file is prepared here.
        """
        src = as_incoming(src)
        path = src.location
        received = _received(src, self.targets.timezone)
        try:
            ready = self.prepare(src) if prepared is None else prepared.result()
            return self._record(src, ready)
        except FileRejected as exc:
            return [self._reject_file(src, received, exc.code, exc.message)]
        except Exception as exc:  # a bug or MemoryError on one file must not stop the run
            what = f"{type(exc).__name__}: {exc}"
            item = TableResult(
                path=path,
                file_name=src.display_name,
                outcome=Outcome.REJECTED,
                code=INTERNAL_ERROR,
                reason=f"处理时出错（{what}），未入账，请报告此问题",
                received_at=received,
            )
            return [item]  # no note to the district: the fault is ours

    def prepare(self, src: Incoming | Path) -> _Prepared:
        """Read, locate, parse, identify and validate every table of one file, and
        encode its rows for the ledger.

        Everything but the ledger, so that it can run in a reader thread or a worker
        process. FileRejected when the file cannot be read or holds no table.
        """
        from gongjian_cli.feedback import FEEDBACK_SHEET, REJECTION_SHEET
        from gongjian_cli.metadata import META_SHEET

        src = as_incoming(src)
        received = _received(src, self.targets.timezone)
        wb, meta = read_file(src)
        blocks = []
        looked_at = []
        for sheet in wb.sheets:
            if sheet.hidden or sheet.name in (META_SHEET, FEEDBACK_SHEET, REJECTION_SHEET):
                continue
            looked_at.append(sheet.name)
            blocks.extend((sheet, block) for block in _locate(sheet, year=self.targets.year))
        if not blocks:
            raise FileRejected("no-table", _no_table_reason(looked_at, self.targets.year))

        tables: list[_PreparedTable] = []
        seen_keys: dict[tuple[str, str, Table], tuple[str, int]] = {}
        for sheet, block in blocks:
            item, sub, rej = self._table(src, wb, sheet, block, meta, received, len(blocks))
            if sub is not None:
                key = (sub.identity.district, sub.identity.month, sub.identity.table)
                if key in seen_keys:
                    first_sheet, first_row = seen_keys[key]
                    both = f"{key[0]} {key[1]} {table_label(key[2])}"
                    reason = (
                        f"工作表“{sheet.name}”与“{first_sheet}”都是{both}，只收第一张；"
                        "请删去多余的工作表"
                        if first_sheet != sheet.name
                        else f"工作表“{sheet.name}”第{first_row}行和第{block.header_row}行起的"
                        f"两张表都是{both}，只收第一张；请删去多余的表"
                    )
                    rej = _rejection(
                        src,
                        wb.sha256,
                        received,
                        "same-table-twice",
                        reason,
                        sheet=sheet.name,
                        identity=sub.identity,
                    )
                    item, sub = _rejected_item(rej, src), None
                else:
                    seen_keys[key] = (sheet.name, block.header_row)
            rows = None
            if sub is not None:
                rows = ledger.encode_rows(sub.rows, sub.cells)
                sub.rows, sub.cells = [], None
            tables.append(_PreparedTable(item, sub, rows, rej))
        return _Prepared(tables)

    def _record(self, src: Incoming, prepared: _Prepared) -> list[TableResult]:
        """Record a prepared file in one transaction: what the ledger already holds is a
        duplicate, the rest lands; then the file's feedback is queued.

        The duplicate checks run inside the transaction: another process may be
        recording files into the same ledger (see _Worker), and BEGIN IMMEDIATE makes
        the check and the insert one step."""
        new: list[_PreparedTable] = []
        rejections: list[tuple[TableResult, Rejection]] = []
        results = [t.item for t in prepared.tables]
        if any(t.sub is not None or t.rej is not None for t in prepared.tables):
            with ledger.transaction(self.conn):  # the whole file, or nothing of it
                for table in prepared.tables:
                    item, sub, rej = table.item, table.sub, table.rej
                    if sub is not None and (dup := ledger.find_duplicate(self.conn, sub)):
                        item.outcome = Outcome.DUPLICATE
                        item.submission_id = dup
                        item.reason = "内容与已收的同一报表相同，未重复入账"
                        sub = None
                    if rej is not None and ledger.find_duplicate_rejection(self.conn, rej):
                        item.outcome = Outcome.DUPLICATE
                        item.reason = f"此前已因同一原因退回：{rej.reason}"
                        rej = None
                    if sub is not None:
                        item.submission_id = ledger.insert_submission(
                            self.conn, sub, rows=table.rows
                        )
                        new.append(table)
                    if rej is not None:
                        item.submission_id = ledger.insert_rejection(self.conn, rej)
                        rejections.append((item, rej))
        if self.feedback is not None:
            findings = [
                f
                for t in new
                if t.sub is not None and t.rows is not None
                for f in (*t.sub.findings, *t.rows.all_findings())
            ]
            if findings:
                self.feedback.findings(src, [t.item for t in new], findings)
            elif rejections and not new:
                self.feedback.rejection(src, rejections[0][0])
        return results

    def _table(
        self,
        src: Incoming,
        wb: Any,
        sheet: Any,
        block: Any,
        meta: TemplateMeta | None,
        received: datetime,
        table_count: int,
    ) -> tuple[TableResult, Submission | None, Rejection | None]:
        from gongjian_cli.identify import identify
        from gongjian_cli.parsing import column_letter, locate_table, parse_rows

        path, name = src.location, src.display_name
        rows = sheet_findings = None
        if block.table is not None:  # parse first: identification may look at 所属区域
            rows, sheet_findings = parse_rows(block, file_name=name)
        try:
            identity: Identity = identify(
                file_name=name,
                sheet_name=sheet.name,
                block=block,
                meta=meta,
                options=self.options,
                targets=self.targets,
                rows=rows,
                sheet_count=table_count,
            )
        except FileRejected as exc:
            rej = _rejection(
                src,
                wb.sha256,
                received,
                exc.code,
                exc.message,
                sheet=sheet.name,
                targets=self.targets,
                options=self.options,
            )
            return _rejected_item(rej, src), None, rej
        if block.table is not identity.table:  # the columns did not say; match them again
            matched = locate_table(
                sheet, year=self.targets.year, table=identity.table, start=block.start
            )
            if matched is not None:
                matched.end_row = block.end_row
                block = matched
            block.table = identity.table
            rows = None
        if block.missing_required:
            rej = _rejection(
                src,
                wb.sha256,
                received,
                "missing-columns",
                _missing_columns_reason(sheet.name, block, identity.table, self.targets.year),
                sheet=sheet.name,
                identity=identity,
            )
            return _rejected_item(rej, src), None, rej
        if rows is None or sheet_findings is None:
            rows, sheet_findings = parse_rows(block, file_name=name)
        letters = {key: column_letter(i) for key, i in block.columns.items()}
        table_findings = validate_rows(
            rows,
            table=identity.table,
            district=identity.district,
            file_name=name,
            sheet=sheet.name,
            year=self.targets.year,
            column_letters=letters,
            targets=self.targets,
        )
        sub = Submission(
            file_name=name,
            file_path=str(path.resolve()),
            sha256=wb.sha256,
            sheet=sheet.name,
            identity=identity,
            received_at=received,
            header_row=block.header_row,
            columns=letters,
            rows=rows,
            findings=[
                *_identity_conflicts(name, sheet.name, identity),
                *_sheet_level(sheet_findings, rows),
                *table_findings,
            ],
            template_version=meta.version if meta is not None else None,
            cells=sheet.rows,
            origin=src.origin,
        )
        findings = sub.all_findings
        errors = sum(1 for f in findings if f.severity is Severity.ERROR)
        item = TableResult(
            path=path,
            file_name=name,
            outcome=Outcome.ACCEPTED,
            sheet=sheet.name,
            district=identity.district,
            month=identity.month,
            table=identity.table,
            rows=len(rows),
            errors=errors,
            warnings=len(findings) - errors,
            identified_by=dict(identity.how),
            received_at=received,
            source=src,
        )
        return item, sub, None

    def _reject_file(
        self, src: Incoming, received: datetime, code: str, reason: str
    ) -> TableResult:
        sha = hashlib.sha256(src.data).hexdigest() if src.data is not None else None
        if src.data is None and src.path is not None:
            sha = _sha256(src.path)
        rej = _rejection(
            src, sha, received, code, reason, targets=self.targets, options=self.options
        )
        item = _rejected_item(rej, src)
        with ledger.transaction(self.conn):
            if ledger.find_duplicate_rejection(self.conn, rej) is not None:
                item.outcome = Outcome.DUPLICATE
                item.reason = f"此前已因同一原因退回：{reason}"
                return item
            item.submission_id = ledger.insert_rejection(self.conn, rej)
        if self.feedback is not None:
            self.feedback.rejection(src, item)
        return item


class _Preparers:
    """Prepares (:meth:`_Collector.prepare`) the files ahead of the one being recorded,
    in READ_THREADS threads: calamine releases the GIL while it reads, so reading
    overlaps with the Python work of parsing and recording."""

    def __init__(self, collector: _Collector) -> None:
        self.collector = collector
        self._threads: ThreadPoolExecutor | None = None

    def submit(self, src: Incoming) -> Future[Any]:
        if self._threads is None:
            self._threads = ThreadPoolExecutor(
                max_workers=READ_THREADS, thread_name_prefix="gongjian-read"
            )
        return self._threads.submit(self.collector.prepare, src)

    def shutdown(self) -> None:
        if self._threads is not None:
            self._threads.shutdown(wait=True, cancel_futures=True)
            self._threads = None


class _Worker:
    """Worker processes that collect files into the same ledger as this process.

    For a large inbox (``PROCESS_MIN_FILES`` files or more, on more than one core),
    collecting is Python work on every side: each worker process ("spawn", the only
    start method on Windows) takes files as this process does — read, parse, validate
    and record each in its own transaction, through its own connection to the ledger —
    and sends back only the file's result lines. SQLite lets one connection write at a
    time; a file's transaction takes milliseconds, and the others wait for it
    (``ledger.BUSY_TIMEOUT``). One worker per core beyond this process's, at most
    MAX_WORKERS: on 2 cores a second worker only adds its start-up (an interpreter and
    our imports, ~0.15 s of CPU) while the processes take turns on the cores. The
    workers also write the feedback workbooks: their own files', at once, and this
    process's (``pool``, see FeedbackWriter).

    When the workers cannot start, or one dies, this process collects the rest. A file
    a worker had in hand when it died is collected here again: if the worker had
    committed it, the ledger recognises it (duplicate); if not, nothing of it is there.
    """

    def __init__(self, pool: Any, processes: int = 1) -> None:
        self.pool = pool  # a ProcessPoolExecutor
        self.processes = processes
        self.alive = True
        self.feedback_errors: list[str] = []

    @classmethod
    def start(
        cls, collector: _Collector, conn: sqlite3.Connection, feedback_dir: Path | None
    ) -> _Worker | None:
        """The workers, or None (one core, a ledger in memory, no process possible)."""
        processes = min(_cpus() - 1, MAX_WORKERS)
        if processes < 1:
            return None
        db = ledger.database_path(conn)
        if db is None:
            return None
        pool = _start_processes(collector, db, feedback_dir, processes)
        return None if pool is None else cls(pool, processes)

    def submit(self, src: Incoming) -> Future[Any] | None:
        try:
            return self.pool.submit(_collect_in_worker, src)
        except Exception:  # no process could be started, or it died
            self._stop()
            return None

    def result(self, future: Future[Any], path: Incoming, here: _Collector) -> list[TableResult]:
        """The file's result lines; collected by ``here`` when the worker failed."""
        from concurrent.futures import CancelledError
        from concurrent.futures.process import BrokenProcessPool

        try:
            done = future.result()
        except (BrokenProcessPool, CancelledError):
            self._stop()
            return here.collect_file(path)
        items, errors = done
        self.feedback_errors.extend(errors)
        return items

    def _stop(self) -> None:
        self.alive = False
        self.pool.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        self.alive = False
        self.pool.shutdown(wait=True, cancel_futures=True)


def _cpus() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))  # Linux: honours taskset / container limits
    except AttributeError:  # Windows, macOS
        return os.cpu_count() or 1


def _start_processes(
    collector: _Collector, db: Path, feedback_dir: Path | None, processes: int = 1
) -> Any:
    """A pool of ``processes`` worker processes set up to collect into ``db``, or None."""
    try:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(
            max_workers=processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(collector.targets, collector.options, db, feedback_dir),
        )
    except Exception:  # e.g. no working semaphores on this system
        return None


_WORKER: _Collector | None = None  # in a worker process: the collector at work


def _init_worker(targets: Targets, options: Any, db: Path, feedback_root: Path | None) -> None:
    """Set up a worker process (Ctrl-C is the parent's business: the file in hand is
    finished, the rest cancelled; see also ``feedback._worker_init``, as the worker
    writes feedback too)."""
    from gongjian_cli.feedback import FeedbackWriter, _worker_init

    global _WORKER
    _worker_init()
    conn = ledger.open_ledger(db)
    feedback = None
    if feedback_root is not None:
        feedback = _Feedback(feedback_root, FeedbackWriter(in_process=True))
    _WORKER = _Collector(conn, targets=targets, options=options, feedback=feedback)


def _collect_in_worker(src: Incoming) -> tuple[list[TableResult], list[str]]:
    """Collect ``src`` in the worker process: its result lines (feedback written) and
    the feedback failures."""
    assert _WORKER is not None
    items = _WORKER.collect_file(src)
    errors = _WORKER.feedback.drain() if _WORKER.feedback is not None else []
    return items, errors


def _locate(sheet: Any, *, year: int) -> list[Any]:
    from gongjian_cli.parsing import locate_tables

    return locate_tables(sheet, year=year)


def _sheet_level(findings: list[Finding], rows: list[Any]) -> list[Finding]:
    """Parse findings not already attached to a row (parse_rows may return both)."""
    on_rows = {id(f) for r in rows for f in r.findings}
    return [f for f in findings if id(f) not in on_rows]


def _missing_columns_reason(sheet: str, block: Any, table: Table, year: int) -> str:
    labels = {c.key: c.label(year) for c in COLUMNS[table]}
    missing = "、".join(f"“{labels.get(k, k)}”" for k in block.missing_required)
    found = "、".join(labels.get(k, k) for k in block.columns) or "无"
    return (
        f"工作表“{sheet}”的表头（第{block.header_row}行）中没有找到{missing}列，"
        f"无法统计（找到的列：{found}）；请按{TABLE_ATTACHMENT[table]}模板的列填报"
    )


def _no_table_reason(looked_at: list[str], year: int) -> str:
    headers = {
        t: "、".join(c.label(year) for c in COLUMNS[t] if c.key != "seq")[:60] for t in Table
    }
    sheets = "、".join(f"“{s}”" for s in looked_at) or "（没有可见的工作表）"
    return (
        f"在工作表 {sheets} 中没有找到项目表：应有一行表头，含“项目名称”和“总投资（万元）”"
        f"等列（附件2：{headers[Table.PLANNED]}…；附件3：{headers[Table.CONSTRUCTION]}…）"
    )


def _received_at(path: Path, zone: str = DEFAULT_ZONE) -> datetime:
    """The file's modification time as wall-clock time in ``zone`` (the targets file's
    ``timezone``), never the machine's own zone (``clock.to_local``)."""
    return to_local(path.stat().st_mtime, zone)


def _received(src: Incoming, zone: str = DEFAULT_ZONE) -> datetime:
    """When ``src`` was received, in ``zone``: an e-mail's Date; otherwise the time of the
    file in the inbox (a loose file, or the zip a member came in)."""
    origin = src.origin
    if origin is not None and origin.sent_at is not None:
        return to_local(origin.sent_at, zone)
    on_disk = src.path if origin is None else origin.container_path
    try:
        return _received_at(on_disk, zone) if on_disk is not None else src.received_at
    except OSError:
        return src.received_at


def _sha256(path: Path) -> str | None:
    try:
        h = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    except OSError:
        return None


def _identity_conflicts(file_name: str, sheet: str, identity: Identity) -> list[Finding]:
    """A warning for each source that named another district, month or table than the one
    taken (e.g. last month's template re-used: metadata says 5月, the file name 6月)."""
    return [
        make_finding("identity-conflict", file=file_name, sheet=sheet, detail=conflict)
        for conflict in identity.conflicts
    ]


def _rejection(
    src: Incoming,
    sha256: str | None,
    received: datetime,
    code: str,
    reason: str,
    *,
    sheet: str | None = None,
    identity: Identity | None = None,
    targets: Targets | None = None,
    options: Any = None,
) -> Rejection:
    """A rejection record. Without an identity, the district, month and table are guessed
    from the options and the file name (best effort, when ``targets`` is given), so that
    the 退回说明 lands in the district's feedback folder and the bulletin names it."""
    district = month = table = None
    if identity is not None:
        district, month, table = identity.district, identity.month, identity.table
    elif targets is not None:
        district, month, table = _guess_from_name(src.display_name, targets, options)
    return Rejection(
        file_name=src.display_name,
        file_path=str(src.location.resolve()),
        sha256=sha256,
        sheet=sheet,
        received_at=received,
        code=code,
        reason=reason,
        district=district,
        month=month,
        table=table,
        origin=src.origin,
    )


def _guess_from_name(
    display_name: str, targets: Targets, options: Any
) -> tuple[str | None, str | None, Table | None]:
    """From the file's name (and its container's: ``经开区5月.zip/附件3.xls``)."""
    from gongjian_cli.identify import month_from_text, table_from_text

    name = " ".join(Path(part).stem for part in display_name.split("/"))
    district = getattr(options, "district", None) or targets.find_district_in(name)
    month = getattr(options, "month", None) or month_from_text(name, year=targets.year)
    table = getattr(options, "table", None) or table_from_text(name)
    return district, month, table


def _rejected_item(rej: Rejection, src: Incoming) -> TableResult:
    return TableResult(
        path=src.location,
        file_name=rej.file_name,
        outcome=Outcome.REJECTED,
        sheet=rej.sheet,
        district=rej.district,
        month=rej.month,
        table=rej.table,
        code=rej.code,
        reason=rej.reason,
        received_at=rej.received_at,
        source=src,
    )


def _read_back_supersession(conn: sqlite3.Connection, items: list[TableResult]) -> None:
    """Mark accepted tables that a later-received submission in the ledger supersedes."""
    ids = [i.submission_id for i in items if i.outcome is Outcome.ACCEPTED and i.submission_id]
    if not ids:
        return
    marks = ",".join("?" * len(ids))
    later = dict(
        conn.execute(
            f"SELECT id, superseded_by FROM submissions WHERE id IN ({marks})"
            " AND superseded_by IS NOT NULL",
            ids,
        ).fetchall()
    )
    for item in items:
        if item.outcome is Outcome.ACCEPTED and item.submission_id in later:
            item.outcome = Outcome.SUPERSEDED
            item.superseded_by = later[item.submission_id]
