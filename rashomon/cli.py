"""Command-line interface: parse, validate, call the library, print.

Every command is a thin adapter over :mod:`rashomon`'s public functions. Library
errors become a one-line message and exit code 1; usage errors exit with 2
(click's convention). A run that processed at least one article exits 0 even
when some inputs were rejected: each rejection is printed with its reason.
"""

from __future__ import annotations

import logging
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from . import __version__
from .config import SETTINGS, Settings, load_settings
from .errors import NotFound, RashomonError
from .export import FORMATS, to_json, to_markdown
from .profiling import StageTimer, stage
from .records import Analysis, Comparison, CrossLink, Disagreement, Event, Evidence, Rejected, Storyline
from .store import Workspace

if TYPE_CHECKING:  # the pipeline (every stage's models and libraries) and the report's templates
    # are imported by the commands that run them: a reader such as `show` starts in a fraction of a second
    from .pipeline import IngestSummary, Progress


DEFAULT_WORKSPACE = "rashomon-workspace"
ID_KINDS = (
    "a 12-hex article id (or a record's own id), ev-… (event), st-… (storyline), en-… (entity), "
    "ql-… (quote link), fl-… (figure link), cl-… (claim), di-… (disagreement)"
)
SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample"

# Off a terminal (pipes, CI logs) rich would wrap at 80 columns; tables read better wider.
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Progress]:
    """A rich progress bar on a terminal; silent otherwise."""
    if not (enabled and err.is_terminal):
        yield lambda stage, done, total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    with Bar(
        TextColumn("{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total or None)
            bar.update(tasks[stage], completed=done, total=total or None)

        yield update


def fail(error: RashomonError) -> None:
    raise click.ClickException(str(error))


def print_rejected(rejected: tuple[Rejected, ...] | list[Rejected]) -> None:
    for item in rejected:
        err.print(f"rejected: {item.source}: {item.reason}", markup=False)


def print_ingest_summary(result: IngestSummary) -> None:
    from .pipeline import format_counts

    print_rejected(result.rejected)
    for article_id in result.versions:
        out.print(f"changed: article {article_id} came back with different text; the new version is kept", markup=False)
    out.print(
        f"inputs: {format_counts(result.counts())} · workspace now has {result.events} event(s) "
        f"in {result.storylines} storyline(s)",
        markup=False,
    )


def summary_table(analysis: Analysis) -> Table:
    """Storylines, their events and how many articles and languages each holds."""
    by_id = {a.id: a for a in analysis.articles}
    events = {e.id: e for e in analysis.events}
    table = Table(
        title=f"{len(analysis.articles)} articles · {len(analysis.events)} events · "
        f"{len(analysis.storylines)} storylines · {len(analysis.rejected)} rejected"
    )
    for column in ("storyline", "event", "articles", "languages", "outlets"):
        table.add_column(column, no_wrap=True)
    table.add_column("label", overflow="fold")
    for storyline in analysis.storylines:
        for number, event_id in enumerate(storyline.event_ids):
            event = events[event_id]
            members = [by_id[i] for i in event.article_ids if i in by_id]
            languages = ",".join(f"{k}:{v}" for k, v in sorted(Counter(a.language or "?" for a in members).items()))
            outlets = len({a.teller for a in members})
            label = event.label if len(event.label) <= 70 else event.label[:69] + "…"
            table.add_row(
                storyline.id if number == 0 else "", event.id, str(len(members)), languages, str(outlets), label
            )
    return table


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rashomon")
@click.option("-v", "--verbose", count=True, help="Show log messages (-v info, -vv debug).")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML settings file (default: rashomon.toml in the workspace, if any).",
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a setting for this run; repeatable. `rashomon settings` lists them.",
)
@click.pass_context
def cli(ctx: click.Context, verbose: int, config_file: str | None, overrides: tuple[str, ...]) -> None:
    """Rashomon: compare how outlets and languages tell the same news."""
    logging.basicConfig(level=logging.WARNING - 10 * min(verbose, 2), format="%(levelname)s %(name)s: %(message)s")
    values = {}
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--set")
        values[name.strip()] = value.strip()
    ctx.obj = {"config_file": config_file, "overrides": values}


def settings_for(ctx: click.Context, workspace: Path | None = None) -> Settings:
    config_file = ctx.obj["config_file"]
    if config_file is None and workspace is not None and (workspace / "rashomon.toml").is_file():
        config_file = str(workspace / "rashomon.toml")
    try:
        return load_settings(config_file, **ctx.obj["overrides"])
    except RashomonError as error:
        raise click.UsageError(str(error)) from None


def write_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, creating its folder; a failure is one line naming the path."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise click.ClickException(
            f"Cannot write {path}: {error.strerror or error}. Choose another output path (--out / --output)."
        ) from None


def write_outputs(analysis: Analysis, out_dir: Path, settings: Settings) -> list[str]:
    """Write the report (paged when large) and the JSON and Markdown exports into ``out_dir``."""
    files = {"export.json": to_json(analysis), "export.md": to_markdown(analysis)}
    written = [write_report_files(analysis, out_dir / "report.html", settings)]
    for name, content in files.items():
        path = out_dir / name
        write_file(path, content)
        written.append(str(path))
    return written


def profiled(profile: bool) -> AbstractContextManager[StageTimer | None]:
    """A :class:`~rashomon.profiling.StageTimer` timing the block when ``profile``, else nothing."""
    return StageTimer() if profile else nullcontext()


def print_profile(timer: StageTimer | None) -> None:
    """The time per stage, on standard error (``--profile``)."""
    if timer is not None:
        click.echo("time per stage (wall seconds; each second counted once, for the innermost stage):", err=True)
        click.echo(timer.format(), err=True)


def run_analysis(ctx: click.Context, paths: tuple[str, ...], out_dir: Path, profile: bool = False) -> None:
    from .pipeline import analysis_counts, analyze, format_counts

    settings = settings_for(ctx)
    with profiled(profile) as timer:
        try:
            with progress_bar(True) as progress:
                analysis = analyze(paths, settings, progress=progress)
        except RashomonError as error:
            fail(error)
            return
        print_rejected(analysis.rejected)
        if not analysis.articles:
            raise click.ClickException(
                f"No article could be processed ({len(analysis.rejected)} input(s) rejected). "
                "Rashomon reads .txt, .html/.htm, .json and .jsonl files and folders of them."
            )
        with stage("report"):
            written = write_outputs(analysis, out_dir, settings)
    print_profile(timer)
    out.print(summary_table(analysis))
    out.print(f"inputs: {format_counts(analysis_counts(analysis))}", markup=False)
    out.print(f"Wrote {', '.join(written)}", markup=False)


profile_option = click.option(
    "--profile", is_flag=True, help="After the run, print the wall time of each stage (on standard error)."
)


@cli.command("analyze")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("rashomon-out"),
    show_default=True,
    help="Folder for report.html, export.json and export.md.",
)
@profile_option
@click.pass_context
def analyze_command(ctx: click.Context, paths: tuple[str, ...], out_dir: Path, profile: bool) -> None:
    """One shot: read PATHS (files or folders), run every stage, write the report and exports."""
    run_analysis(ctx, paths, out_dir, profile)


@cli.command("demo")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("rashomon-demo"),
    show_default=True,
    help="Folder for the demo's report.html, export.json and export.md.",
)
@click.pass_context
def demo_command(ctx: click.Context, out_dir: Path) -> None:
    """Analyse the bundled sample corpus (examples/sample) and write its report."""
    if not SAMPLE.is_dir():
        raise click.ClickException(f"The sample corpus is not at {SAMPLE}; run the demo from a source checkout.")
    out.print(f"Analysing the bundled sample corpus in {SAMPLE} …", markup=False)
    run_analysis(ctx, (str(SAMPLE),), out_dir)


workspace_option = click.option(
    "--workspace",
    "-w",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(DEFAULT_WORKSPACE),
    show_default=True,
    envvar="RASHOMON_WORKSPACE",
    help="Workspace folder (env RASHOMON_WORKSPACE).",
)


def open_workspace(folder: Path, must_exist: bool = True) -> Workspace:
    if must_exist and not (folder / "rashomon.sqlite3").is_file():
        raise click.ClickException(
            f"No workspace at {folder}. Create one with `rashomon ingest PATH --workspace {folder}`."
        )
    try:
        return Workspace(folder)
    except RashomonError as error:
        raise click.ClickException(str(error)) from None


@cli.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@workspace_option
@profile_option
@click.pass_context
def ingest_command(ctx: click.Context, paths: tuple[str, ...], workspace: Path, profile: bool) -> None:
    """Add PATHS to a workspace; re-ingesting the same files changes nothing."""
    from .pipeline import default_embedder, ingest

    settings = settings_for(ctx, workspace)
    if len(paths) == 1 and _is_spark_output(paths[0]):  # a Spark run's tables: imported, not read as files
        import_spark_output(ctx, Path(paths[0]), workspace)
        return
    with open_workspace(workspace, must_exist=False) as ws:
        with profiled(profile) as timer:
            try:
                with progress_bar(True) as progress:
                    result = ingest(paths, ws, settings, default_embedder(settings), progress=progress)
            except RashomonError as error:
                fail(error)
                return
        print_profile(timer)
        print_ingest_summary(result)
        if not result.added and not result.unchanged and not result.duplicates and not result.versions:
            raise click.ClickException("Nothing could be ingested.")


def _is_spark_output(path: str) -> bool:
    from .spark.tables import is_spark_output

    return is_spark_output(path)


def import_spark_output(ctx: click.Context, folder: Path, workspace: Path) -> None:
    """Load a Spark run's tables into a (new) workspace and print what was stored."""
    from .spark.load import import_output

    settings = settings_for(ctx, workspace)
    with open_workspace(workspace, must_exist=False) as ws:
        try:
            with progress_bar(True) as progress:
                result = import_output(folder, ws, settings, progress=progress)
        except RashomonError as error:
            fail(error)
            return
        except ImportError as error:
            raise click.ClickException(
                f"Reading Parquet needs pyarrow ({error}). Install it with: pip install 'rashomon[spark]'"
            ) from None
        print_ingest_summary(result)
        if not result.added:
            raise click.ClickException(f"{folder} holds no articles to import.")


@cli.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@workspace_option
@click.pass_context
def import_command(ctx: click.Context, folder: Path, workspace: Path) -> None:
    """Load the Parquet tables of `rashomon spark run` into a new workspace (comparisons are made here)."""
    import_spark_output(ctx, folder, workspace)


@cli.group("spark")
def spark_group() -> None:
    """Run the pipeline on Apache Spark (needs the `spark` extra and Java 17)."""


@spark_group.command("run")
@click.option(
    "--input",
    "inputs",
    multiple=True,
    required=True,
    help="A file, folder, WARC, Parquet table, "
    "path list (one WARC path or URI a line) or s3a:// / hdfs:// URI; repeatable.",
)
@click.option("--output", required=True, help="Folder or URI for the Parquet tables (replaced if it exists).")
@click.option("--master", default=None, help="Spark master URL (default: spark-submit's, else local[*]).")
@click.option(
    "--partitions", type=click.IntRange(min=1), default=None, help="Partitions (default: Spark's parallelism)."
)
@click.option(
    "--window-days",
    type=click.IntRange(min=0),
    default=0,
    help="Time block width in days (0: event + storyline windows, as the local grouper reaches).",
)
@click.option(
    "--vector-bits",
    type=click.IntRange(min=0, max=16),
    default=0,
    help="Random hyperplanes per vector bucket (0: no vector buckets).",
)
@click.option("--vector-tables", type=click.IntRange(min=1, max=16), default=1, help="Vector bucket tables.")
@click.option(
    "--input-base", default="", help="Prefix of relative entries in path lists (CC-NEWS: s3a://commoncrawl/)."
)
@click.pass_context
def spark_run_command(
    ctx: click.Context,
    inputs: tuple[str, ...],
    output: str,
    master: str | None,
    partitions: int | None,
    window_days: int,
    vector_bits: int,
    vector_tables: int,
    input_base: str,
) -> None:
    """Read INPUTs, run every stage on Spark and write Parquet tables to OUTPUT (docs/export.md)."""
    settings = settings_for(ctx)
    try:
        from . import spark as spark_adapter
    except ImportError as error:
        raise click.ClickException(
            f"rashomon spark needs PySpark ({error}). Install it with: pip install 'rashomon[spark]'"
        ) from None
    options = spark_adapter.SparkOptions(
        window_days=window_days, vector_bits=vector_bits, vector_tables=vector_tables, input_base=input_base
    )
    try:
        session = spark_adapter.session(master)
    except ImportError as error:
        raise click.ClickException(
            f"rashomon spark needs PySpark ({error}). Install it with: pip install 'rashomon[spark]'"
        ) from None
    try:
        summary = spark_adapter.run(session, list(inputs), output, partitions, settings, options)
    except RashomonError as error:
        fail(error)
        return
    finally:
        session.stop()
    from .spark.job import summary_line

    out.print(summary_line(summary), markup=False)
    if not summary.counts.get("articles"):
        raise click.ClickException("No article could be processed (see the rejected table).")


def parse_duration(text: str) -> float:
    """Seconds in ``90``, ``90s``, ``15m``, ``2h``."""
    units = {"s": 1, "m": 60, "h": 3600}
    value = text.strip().lower()
    try:
        if value and value[-1] in units:
            return float(value[:-1]) * units[value[-1]]
        return float(value)
    except ValueError:
        raise click.BadParameter(
            f"expected a duration like 90s, 15m or 1h, got {text!r}", param_hint="--every"
        ) from None


@cli.command("watch")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--every", default="15m", show_default=True, help="Time between polls: 90s, 15m, 1h.")
@click.option(
    "--polls", type=click.IntRange(min=1), default=None, help="Stop after this many polls (default: until Ctrl-C)."
)
@workspace_option
@click.pass_context
def watch_command(ctx: click.Context, inputs: tuple[str, ...], every: str, polls: int | None, workspace: Path) -> None:
    """Poll feeds (URLs, .opml lists, .urls files) and ingest new items into a workspace."""
    from .pipeline import watch

    seconds = parse_duration(every)
    settings = settings_for(ctx, workspace)

    def report(number: int, result: IngestSummary) -> None:
        out.print(f"poll {number}:", end=" ", markup=False)
        print_ingest_summary(result)

    with open_workspace(workspace, must_exist=False) as ws:
        try:
            watch(inputs, ws, settings, every_seconds=seconds, polls=polls, on_poll=report)
        except RashomonError as error:
            fail(error)
        except KeyboardInterrupt:
            out.print("stopped", markup=False)


@cli.command("stories")
@workspace_option
def stories_command(workspace: Path) -> None:
    """List the workspace's storylines and their events."""
    with open_workspace(workspace) as ws:
        out.print(summary_table(ws.analysis()))


@cli.command("show")
@click.argument("item_id")
@workspace_option
@click.pass_context
def show_command(ctx: click.Context, item_id: str, workspace: Path) -> None:
    """Show one article, event (ev-…, with how its outlets compare), storyline (st-…), entity
    (en-…), cross-outlet link (ql-…, fl-…), claim (cl-…) or disagreement (di-…) with its evidence."""
    with open_workspace(workspace) as ws:
        settings = settings_for(ctx, workspace)
        # What the id needs is read by id: showing one item costs the same in a small and a
        # large workspace (only a claim or disagreement id is looked for in every comparison).
        if item_id.startswith(("cl-", "di-")):
            analysis = ws.analysis(settings)
        else:
            analysis = ws.analysis(settings, only=[item_id])
        if _show_compared(analysis, item_id):
            return
        groups: list[Storyline | Event] = [*analysis.storylines, *analysis.events]
        for group in groups:
            if group.id == item_id:
                _show_group(ws, analysis, group)
                return
        if item_id.startswith("en-"):
            try:
                entity = ws.entity(item_id)
            except NotFound:
                pass
            else:
                out.print(f"{entity.id}: {entity.name} ({entity.label}, key {entity.key})", markup=False)
                out.print(f"  written as: {', '.join(entity.aliases)}", markup=False)
                for mention in entity.mentions:
                    out.print(
                        f"  {mention.article_id} “{mention.surface}” (linked by {mention.via}): {mention.sentence}",
                        markup=False,
                    )
                return
        if item_id.startswith(("ql-", "fl-")):
            try:
                _show_crosslink(ws.crosslink(item_id))
                return
            except NotFound:
                pass
        try:
            article = ws.article(item_id)
        except NotFound:
            raise click.ClickException(
                f"No article, event, storyline, entity, link, claim or disagreement {item_id!r} in workspace "
                f"{workspace}. Ids look like: {ID_KINDS}. `rashomon stories` lists events and storylines, "
                "`rashomon show EVENT-ID` their articles, claims and disagreements."
            ) from None
        out.print(
            f"{article.id} · {article.source}\nTitle: {article.title}"
            f"{' (inferred from lead)' if article.title_inferred else ''}\nLanguage: {article.language} "
            f"({article.language_confidence:.2f}) · Outlet: {article.outlet or '-'} · Published: "
            f"{article.published or '-'}",
            markup=False,
        )
        for line in article.removed_lines:
            out.print(f"  removed line {line.line_no} ({line.reason}): {line.text}", markup=False)
        _show_extraction(analysis, article.id)
        _show_framing(analysis, article.id)
        out.print("", article.text, markup=False)


def _show_group(ws: Workspace, analysis: Analysis, group: Storyline | Event) -> None:
    out.print(f"{group.id}: {group.label}", markup=False)
    if group.headline and group.headline != group.label:
        out.print(f"  headline: {group.headline}", markup=False)
    for term in group.terms:
        out.print(
            f"  label term “{term.text}” ({term.kind}, {len(term.article_ids)} articles): {term.sentence}", markup=False
        )
    for article_id in group.article_ids:
        article = ws.article(article_id)
        out.print(f"  {article.id} [{article.language}] {article.outlet or '-'} · {article.title}", markup=False)
    for link in group.links:
        out.print(
            f"  {link.kind} {link.article_a} ↔ {link.article_b}: score {link.score:.2f} (embedding "
            f"{link.embedding:.2f}, names {link.names:.2f}); shared: {', '.join(link.shared_names)}",
            markup=False,
        )
    members = set(group.article_ids)
    for crosslink in analysis.crosslinks:
        if any(item.article_id in members for item in crosslink.items):
            _show_crosslink(crosslink)
    for comparison in analysis.comparisons:
        if comparison.event_id == group.id:
            _show_comparison(comparison)


def _cite(evidence: Evidence) -> str:
    return f"[{evidence.article_id} {evidence.language or '?'} {evidence.start}–{evidence.end}]"


def _show_comparison(comparison: Comparison) -> None:
    names = {source.id: source.name for source in comparison.sources}
    out.print(f"  Compared: {len(comparison.sources)} outlets, {len(comparison.claims)} claims", markup=False)
    for source in comparison.sources:
        out.print(f"    {source.id}: {source.name} ({', '.join(source.article_ids)})", markup=False)
    out.print("  Story brief", markup=False)
    for line in comparison.brief:
        who = f"{names.get(line.source, line.source)}: " if line.source else ""
        cites = " ".join(_cite(e) for e in line.evidence[:4])
        out.print(f"    [{line.section}/{line.kind}] {who}{line.text} {cites}", markup=False)
    for finding in comparison.disagreements:
        _show_disagreement(finding)
    for choice in comparison.naming:
        out.print(f"  naming {choice.referent}{' (differs)' if choice.differs else ''}:", markup=False)
        for outlet in choice.outlets:
            words = ", ".join(f"“{t.surfaces[0]}” ×{t.count} ({t.stance})" for t in outlet.terms)
            out.print(f"    {names.get(outlet.outlet, outlet.outlet)}: {words}", markup=False)
    for term in comparison.distinctive:
        out.print(
            f"  distinctive word {names.get(term.outlet, term.outlet)} [{term.language}]: {term.word} "
            f"(z {term.z:.1f}, {term.count}×)",
            markup=False,
        )
    for tone in comparison.tone:
        if tone.score is not None:
            out.print(
                f"  tone (weak signal) {names.get(tone.source, tone.source)} → {tone.name}: {tone.score:+.2f} "
                f"(+{len(tone.positive)} −{len(tone.negative)} in {tone.sentences} sentences)",
                markup=False,
            )
    for voice in comparison.voices:
        heard = f"quoted {voice.quoted}, paraphrased {voice.paraphrased}, {voice.words} words"
        what = heard if voice.quoted or voice.paraphrased else f"only talked about ({voice.mentions} mentions)"
        out.print(f"  voice {names.get(voice.source, voice.source)} · {voice.name}: {what}", markup=False)


def _show_disagreement(finding: Disagreement) -> None:
    out.print(
        f"  {finding.id}: {finding.summary} (confidence {finding.confidence:.2f}, from {finding.ref})", markup=False
    )
    for value, item in zip(finding.values, finding.items, strict=True):
        out.print(f"    {value or '-'} {_cite(item)} {item.source}: {item.text}", markup=False)


def _show_compared(analysis: Analysis, item_id: str) -> bool:
    """Print a claim (cl-…) or disagreement (di-…) with its sentences; False if it is neither."""
    for comparison in analysis.comparisons:
        for claim in comparison.claims:
            if claim.id == item_id:
                out.print(
                    f"{claim.id} in {comparison.event_id}: carried by {', '.join(claim.sources)} "
                    f"(confidence {claim.confidence:.2f})",
                    markup=False,
                )
                for evidence in claim.sentences:
                    out.print(f"  {_cite(evidence)} {evidence.source}: {evidence.text}", markup=False)
                return True
        for finding in comparison.disagreements:
            if finding.id == item_id:
                _show_disagreement(finding)
                return True
    return False


def _show_crosslink(link: CrossLink) -> None:
    flag = f" — {link.flag}" if link.flag else ""
    out.print(f"  {link.id}: {link.kind}{flag} (confidence {link.confidence:.2f})", markup=False)
    for item in link.items:
        said = f", attributed to {item.speaker}" if item.speaker else ""
        out.print(f"    {item.article_id} {item.outlet or '-'} [{item.language}]{said}: {item.text}", markup=False)


def _show_framing(analysis: Analysis, article_id: str) -> None:
    framing = next((f for f in analysis.framings if f.article_id == article_id), None)
    if framing is None or framing.genre is None:
        return
    frames = ", ".join(f"{label.name} {label.confidence:.2f}" for label in framing.frames) or "-"
    out.print(
        f"  framing ({framing.model}): {framing.genre} {framing.genre_confidence:.2f}; frames: {frames}", markup=False
    )
    for label in framing.techniques:
        out.print(
            f"    technique {label.name} {label.confidence:.2f} in paragraph {label.paragraph}: {label.evidence[:160]}",
            markup=False,
        )


def _show_extraction(analysis: Analysis, article_id: str) -> None:
    extraction = next((x for x in analysis.extractions if x.article_id == article_id), None)
    if extraction is None:
        return
    named = sorted({(e.name, e.id) for e in analysis.entities for m in e.mentions if m.article_id == article_id})
    if named:
        out.print("Entities: " + ", ".join(f"{name} ({entity_id})" for name, entity_id in named), markup=False)
    for quote in extraction.quotes:
        speaker = quote.speaker.name if quote.speaker else "no one named"
        out.print(f"  quote ({quote.kind}, {speaker}): {quote.text}", markup=False)
    for figure in extraction.figures:
        value = figure.value if figure.value is not None else f"{figure.low}–{figure.high}"
        out.print(f"  figure “{figure.text}” = {value} {figure.unit or ''} ({figure.counts or '-'})", markup=False)


@cli.command("search")
@click.argument("query")
@workspace_option
@click.option(
    "--limit", "-n", type=click.IntRange(min=1, max=1000), default=20, show_default=True, help="Hits to show."
)
@click.option(
    "--mode",
    type=click.Choice(["text", "semantic", "both"]),
    default="both",
    show_default=True,
    help="Full text, semantic (across languages), or both merged.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a list.")
@click.pass_context
def search_command(ctx: click.Context, query: str, workspace: Path, limit: int, mode: str, as_json: bool) -> None:
    """Search the workspace's articles: words, "phrases", AND/OR/NOT, prefix*, and the filters
    outlet:, lang:, entity:, title:, from:, to: (see docs/search.md)."""
    import json

    from .search import as_dict, search

    settings = settings_for(ctx, workspace)
    with open_workspace(workspace) as ws:
        try:
            results = search(ws, query, limit=limit, mode=mode, settings=settings)  # type: ignore[arg-type]
        except RashomonError as error:
            fail(error)
            return
    if as_json:
        click.echo(json.dumps(as_dict(results), ensure_ascii=False, indent=2))
        return
    for note in results.notes:
        err.print(f"note: {note}", markup=False)
    if mode != "semantic":
        out.print(f"{results.text_total} article(s) match the words", markup=False)
    for number, hit in enumerate(results.hits, start=1):
        where = " · ".join(
            part or "-" for part in (hit.outlet, hit.language, (hit.published or "")[:10] or None, hit.event_id)
        )
        line = Text(f"{number:>3}. {hit.article_id} [{'+'.join(hit.matched)}] {hit.score:.4f} · {where}\n     ")
        line.append(_marked(hit.title or "(no title)", hit.title_matches, "bold"))
        line.append("\n     ")
        line.append(_marked(hit.snippet.text, hit.snippet.matches, "reverse"))
        out.print(line)


def _marked(text: str, matches: tuple[tuple[int, int], ...], style: str) -> Text:
    """Scraped ``text`` as a rich Text (never read as markup) with ``matches`` styled."""
    marked = Text(text.replace("\n", " "))
    for start, end in matches:
        marked.stylize(style, start, end)
    return marked


@cli.command("about")
@click.argument("file_or_text")
@workspace_option
@click.option(
    "--limit", "-n", type=click.IntRange(min=1, max=100), default=5, show_default=True, help="Events to show."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def about_command(ctx: click.Context, file_or_text: str, workspace: Path, limit: int, as_json: bool) -> None:
    """Which stored events a text is about: FILE_OR_TEXT is a file (any input type ingest reads),
    a page's address (read as `ingest URL` reads it) or the text itself; events are ranked by the
    grouping's pair score."""
    import json

    from .records import Document
    from .search import about, as_dict

    settings = settings_for(ctx, workspace)
    item: str | Document = file_or_text
    from .ingest.sources import is_url

    if is_url(file_or_text.strip()) and not any(c.isspace() for c in file_or_text.strip()):
        from .ingest.sources import make_fetcher, read_page

        with make_fetcher(settings) as fetcher:
            page = read_page(file_or_text.strip(), fetcher)
        if not isinstance(page, Document):
            raise click.ClickException(f"The page {file_or_text.strip()} could not be read: {page.reason}.")
        item = page
    elif Path(file_or_text).is_file():
        from .ingest import read_paths

        found = list(read_paths([file_or_text], settings.max_input_bytes))
        documents = [d for d in found if isinstance(d, Document)]
        if not documents:
            print_rejected([r for r in found if isinstance(r, Rejected)])
            raise click.ClickException(f"No text could be read from {file_or_text}.")
        item = documents[0]
    with open_workspace(workspace) as ws:
        try:
            matches = about(ws, item, limit=limit, settings=settings)
        except RashomonError as error:
            fail(error)
            return
    if as_json:
        click.echo(json.dumps(as_dict(matches), ensure_ascii=False, indent=2))
        return
    if not matches:
        out.print("The workspace has no events yet.", markup=False)
        return
    table = Table()
    for column in ("event", "score", "cosine", "names", "joins", "articles", "shared names"):
        table.add_column(column, no_wrap=column != "shared names")
    table.add_column("label", overflow="fold")
    for match in matches:
        table.add_row(
            Text(match.event_id),
            f"{match.score:.3f}",
            f"{match.similarity:.3f}",
            f"{match.names_similarity:.3f}",
            "yes" if match.would_join else "no",
            str(match.articles),
            Text(", ".join(match.shared_names)),
            Text(match.label),
        )
    out.print(table)


@cli.command("export")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="json", show_default=True)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output).",
)
@workspace_option
def export_command(fmt: str, output: Path | None, workspace: Path) -> None:
    """Export the workspace as JSON, JSONL, CSV or Markdown (see docs/export.md)."""
    from .export import WRITERS

    settings = load_settings(workspace / "rashomon.toml")
    with open_workspace(workspace) as ws:
        analysis = ws.analysis(settings)
    # Written as it is made (a large workspace's JSON is over a gigabyte): to a file next to the
    # output, renamed over it when complete, so a failed export never leaves half a file.
    write = WRITERS[fmt]
    if output is None:
        write(analysis, sys.stdout)
        sys.stdout.flush()
        return
    partial = output.with_name(output.name + ".partial")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("w", encoding="utf-8", newline="") as stream:
            write(analysis, stream)
        partial.replace(output)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise click.ClickException(
            f"Cannot write {output}: {error.strerror or error}. Choose another output path (--output)."
        ) from None
    err.print(f"Wrote {output}", markup=False)


@cli.command("report")
@click.argument("item_id", required=False)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="HTML file to write (default: report.html in the workspace); a large report also writes "
    "its storyline pages into FILE-files/ beside it.",
)
@workspace_option
@click.pass_context
def report_command(ctx: click.Context, item_id: str | None, output: Path | None, workspace: Path) -> None:
    """Write the HTML report for the workspace, or for one storyline or event ID.

    The report of one ID reads only what its page shows, by id (an event: the event, its
    articles and its storyline's record), so it costs the same in a small and a large
    workspace. The whole workspace's report is one page while it stays under the
    ``report_page_kb`` setting, else an index page and one page per storyline.
    """
    from .report import render_html

    output = output or workspace / "report.html"
    with open_workspace(workspace) as ws:
        settings = settings_for(ctx, workspace)
        if item_id:
            if ws.events_by_id([item_id], terms=False):
                whole_storylines = False
            elif ws.storylines_by_id([item_id], terms=False):
                whole_storylines = True
            else:
                raise click.ClickException(f"No storyline or event {item_id!r}; `rashomon stories` lists them.")
            analysis = ws.analysis(settings, only=[item_id], whole_storylines=whole_storylines)
            html = render_html(analysis, only=item_id)
        else:
            analysis = ws.analysis(settings)
    if item_id:
        write_file(output, html)
        out.print(f"Wrote {output}", markup=False)
        return
    written = write_report_files(analysis, output, settings)
    out.print(f"Wrote {written}", markup=False)


def write_report_files(analysis: Analysis, output: Path, settings: Settings) -> str:
    """Write the whole report to ``output`` (paged beside it when large); what was written, in words."""
    from .report import write_report

    try:
        written = write_report(analysis, output, page_kb=settings.report_page_kb)
    except OSError as error:
        raise click.ClickException(
            f"Cannot write {output}: {error.strerror or error}. Choose another output path (--out / --output)."
        ) from None
    return written.describe()


@cli.group("eval")
def eval_group() -> None:
    """Measure similarity, grouping, framing labels and named entities against human judgements."""


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


@eval_group.command("similarity")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
@click.pass_context
def eval_similarity_command(ctx: click.Context, file: Path, as_json: bool) -> None:
    """Score article pairs (pair_id, lang1, lang2, text1, text2, optional title1/title2, overall)."""
    import json

    from .evaluate import evaluate_similarity, read_jsonl
    from .pipeline import default_embedder

    settings = settings_for(ctx)
    try:
        result = evaluate_similarity(read_jsonl(file), settings, default_embedder(settings))
    except RashomonError as error:
        fail(error)
        return
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    table = Table(
        title=f"{result['n']} pairs · Pearson with human 'overall' (sign flipped): {_number(result['pearson'])}"
    )
    for column in ("language pair", "pairs", "Pearson"):
        table.add_column(column)
    for key, value in result["per_language_pair"].items():
        table.add_row(key, str(value["n"]), _number(value["pearson"]))
    out.print(table)
    if result["pearson"] is None:
        for pair in result["pairs"]:
            out.print(f"{pair['pair_id']}\t{pair['similarity']:.4f}", markup=False)


@eval_group.command("clusters")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.pass_context
def eval_clusters_command(ctx: click.Context, file: Path, as_json: bool) -> None:
    """Group articles with gold event ids (text, event, optional id/title/language/published/storyline)."""
    import json

    from .evaluate import evaluate_clusters, read_jsonl
    from .pipeline import default_embedder

    settings = settings_for(ctx)
    try:
        result = evaluate_clusters(read_jsonl(file), settings, default_embedder(settings))
    except RashomonError as error:
        fail(error)
        return
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    table = Table(title=f"{result['n']} articles · B-cubed")
    for column in ("level", "precision", "recall", "F1"):
        table.add_column(column)
    table.add_row("events", _number(result["precision"]), _number(result["recall"]), _number(result["f1"]))
    if "storylines" in result:
        sl = result["storylines"]
        table.add_row("storylines", _number(sl["precision"]), _number(sl["recall"]), _number(sl["f1"]))
    out.print(table)


@eval_group.command("framing")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def eval_framing_command(file: Path, as_json: bool) -> None:
    """Score genre, frames and techniques on SemEval-2023 Task 3 rows (id, lang, text, genre, frames, paragraph_techniques)."""
    import json

    from .evaluate import evaluate_framing, read_framing_file

    try:
        result = evaluate_framing(read_framing_file(file))
    except RashomonError as error:
        fail(error)
        return
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    table = Table(title=f"{result['n']} articles · framing labels against the annotation")
    for column in ("language", "articles", "genre macro-F1", "frames micro-F1", "techniques micro-F1"):
        table.add_column(column)
    rows = [*result["per_language"].items(), ("all", result)]
    for key, value in rows:
        table.add_row(
            key,
            str(value["n"]),
            _number(value["genre_macro_f1"]),
            _number(value["frames_micro_f1"]),
            _number(value["techniques_micro_f1"]),
        )
    out.print(table)


@eval_group.command("ner")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def eval_ner_command(file: Path, as_json: bool) -> None:
    """Score named entities on BIO-tagged sentences (tokens, tags over PER/ORG/LOC/MISC, lang).

    Each sentence's tokens joined with spaces go through the entity recogniser as an
    article's text would; entity-level exact-match precision, recall and F1 over
    PER, ORG and LOC (MISC ignored), per language.
    """
    import json

    from .evaluate import evaluate_ner, read_ner_file

    try:
        result = evaluate_ner(read_ner_file(file))
    except RashomonError as error:
        fail(error)
        return
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    table = Table(title=f"{result['n']} sentences · entities (PER/ORG/LOC, exact span and label)")
    for column in ("language", "sentences", "precision", "recall", "F1"):
        table.add_column(column)
    for key, value in [*result["per_language"].items(), ("all", result)]:
        table.add_row(key, str(value["n"]), _number(value["precision"]), _number(value["recall"]), _number(value["f1"]))
    out.print(table)


@cli.group("outlets")
def outlets_group() -> None:
    """Outlet profiles (country, language, ownership, tags) and the groups their tags form."""


@outlets_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@workspace_option
def outlets_import_command(file: Path, workspace: Path) -> None:
    """Store the profiles in FILE (.csv with a header row naming outlet, country, language,
    ownership, tags; or .toml with [[outlet]] tables); each replaces the outlet's earlier one."""
    from .outlets import read_profiles

    try:
        profiles = read_profiles(file)
    except RashomonError as error:
        fail(error)
        return
    with open_workspace(workspace) as ws:
        try:
            written = ws.save_outlet_profiles(profiles)
        except RashomonError as error:
            fail(error)
            return
        known = ws.tellers()
    unknown = [p.outlet for p in profiles if p.outlet not in known]
    out.print(f"{written} outlet profile(s) stored in {workspace}", markup=False)
    if unknown:
        err.print(
            f"note: no stored article is told by {', '.join(unknown[:10])}{' …' if len(unknown) > 10 else ''}"
            " (outlet names must be written as articles give them: rashomon outlets show lists them)",
            markup=False,
        )


@outlets_group.command("show")
@click.argument("outlet", required=False)
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def outlets_show_command(outlet: str | None, workspace: Path, as_json: bool) -> None:
    """List every outlet with its article count and profile, or show one OUTLET's profile."""
    import json

    with open_workspace(workspace) as ws:
        counts = ws.tellers()
        profiles = ws.outlet_profiles()
    names = sorted(set(counts) | set(profiles), key=lambda name: (-counts.get(name, 0), name))
    if outlet is not None:
        if outlet not in names:
            fail(NotFound(f"No outlet {outlet!r} in {workspace}; `rashomon outlets show` lists them."))
        names = [outlet]
    rows: list[dict[str, Any]] = []
    for name in names:
        profile = profiles.get(name)
        rows.append(
            {
                "outlet": name,
                "articles": counts.get(name, 0),
                "country": profile.country if profile else None,
                "language": profile.language if profile else None,
                "ownership": profile.ownership if profile else None,
                "tags": list(profile.tags) if profile else [],
            }
        )
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table()
    for column in ("outlet", "articles", "country", "language", "ownership", "groups"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            Text(row["outlet"]),
            str(row["articles"]),
            Text(row["country"] or "–"),
            Text(row["language"] or "–"),
            Text(row["ownership"] or "–"),
            Text(", ".join(row["tags"]) or "–"),
        )
    out.print(table)


@cli.group("alerts")
def alerts_group() -> None:
    """Saved searches and watched entities and events; what each ingest found for them."""


@alerts_group.command("add")
@click.argument("kind", type=click.Choice(["search", "entity", "event"]))
@click.argument("target")
@workspace_option
def alerts_add_command(kind: str, target: str, workspace: Path) -> None:
    """Watch TARGET: a search query, an entity (en-…) or an event (ev-…). Later ingests record
    new matches and findings for it (see docs/web.md, "Alerts")."""
    from .alerts import add_watch

    with open_workspace(workspace) as ws:
        try:
            watch = add_watch(ws, kind, target)
        except RashomonError as error:
            fail(error)
            return
    out.print(f"{watch.id} watches {watch.kind} {watch.label!r}", markup=False)


@alerts_group.command("list")
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def alerts_list_command(workspace: Path, as_json: bool) -> None:
    """List the watches."""
    import dataclasses
    import json

    with open_workspace(workspace) as ws:
        watches = ws.watches()
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(w) for w in watches], ensure_ascii=False, indent=2))
        return
    table = Table()
    for column in ("id", "kind", "target", "label", "since"):
        table.add_column(column, overflow="fold")
    for w in watches:
        table.add_row(w.id, w.kind, Text(w.target), Text(w.label), w.created_at)
    out.print(table)


@alerts_group.command("show")
@workspace_option
@click.option("--watch", "watch_id", default=None, help="Only this watch's alerts (wa-…).")
@click.option("--limit", "-n", type=click.IntRange(min=1, max=10000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")
def alerts_show_command(workspace: Path, watch_id: str | None, limit: int, as_json: bool) -> None:
    """The latest alerts, newest first."""
    import json

    from .alerts import alert_dict

    with open_workspace(workspace) as ws:
        alerts = ws.alerts(limit=limit, watch_id=watch_id)
    if as_json:
        click.echo(json.dumps([alert_dict(a) for a in alerts], ensure_ascii=False, indent=2))
        return
    for alert in alerts:
        out.print(Text(f"{alert.created_at} [{alert.kind}] {alert.summary}"))


@alerts_group.command("remove")
@click.argument("watch_id")
@workspace_option
def alerts_remove_command(watch_id: str, workspace: Path) -> None:
    """Stop watching WATCH_ID (wa-…) and delete its alerts."""
    with open_workspace(workspace) as ws:
        if not ws.remove_watch(watch_id):
            fail(NotFound(f"No watch {watch_id!r}; `rashomon alerts list` shows them."))
    out.print(f"removed {watch_id}", markup=False)


@alerts_group.command("webhook")
@click.argument("url", required=False)
@click.option("--clear", is_flag=True, help="Send alerts to no webhook.")
@workspace_option
def alerts_webhook_command(url: str | None, clear: bool, workspace: Path) -> None:
    """Show, set (URL) or --clear the webhook new alerts are POSTed to as JSON."""
    from .alerts import set_webhook, webhook

    with open_workspace(workspace) as ws:
        if url is None and not clear:
            out.print(webhook(ws) or "no webhook", markup=False)
            return
        try:
            set_webhook(ws, None if clear else url)
        except RashomonError as error:
            fail(error)
    out.print("webhook cleared" if clear else f"webhook set: {url}", markup=False)


LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


@cli.command("serve")
@workspace_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback unless told).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option(
    "--token",
    default=None,
    envvar="RASHOMON_TOKEN",
    help="Enable the write endpoints (ingest, outlet profiles, saved searches), which then require this token; "
    "without it they do not exist (env RASHOMON_TOKEN).",
)
@click.option(
    "--cache",
    default=512,
    show_default=True,
    type=click.IntRange(min=0),
    help="Pages kept in memory until the workspace changes (0: read the workspace for every request).",
)
def serve_command(workspace: Path, host: str, port: int, token: str | None, cache: int) -> None:
    """Serve the workspace as a web app and HTTP API (pages, .json twins, /api, /docs); read-only
    unless --token is given (see docs/web.md, "Security")."""
    import uvicorn

    from .web import create_app

    open_workspace(workspace).close()  # a missing or unreadable workspace fails here, in one line
    try:
        app = create_app(workspace, token=token, cache=cache)
    except RashomonError as error:
        fail(error)
        return
    if host not in LOOPBACK:
        err.print(f"warning: listening on {host}: anyone who can reach it can read the workspace", markup=False)
        if token is not None:
            err.print("warning: the token travels in clear over http: put a TLS proxy in front", markup=False)
    err.print(f"Serving {workspace} at http://{host}:{port}/ (Ctrl-C stops)", markup=False)
    uvicorn.run(app, host=host, port=port, log_level="warning")


@cli.command("settings")
@click.pass_context
def settings_command(ctx: click.Context) -> None:
    """List every setting with its current value and what it does."""
    current = settings_for(ctx).as_dict()
    table = Table()
    for column in ("name", "value", "default", "help"):
        table.add_column(column, overflow="fold")
    for setting in SETTINGS:
        table.add_row(setting.name, str(current[setting.name]), str(setting.default), setting.help)
    out.print(table)


def main() -> None:
    """Entry point of the ``rashomon`` command.

    An error nobody planned for is one line on standard error (exit 1) that says
    how to see the traceback; with ``-v`` the traceback is printed as well.
    """
    try:
        cli(prog_name="rashomon", standalone_mode=False)
    except click.exceptions.Abort:
        err.print("Aborted.", markup=False)
        sys.exit(1)
    except click.NoSuchOption as error:
        if error.option_name in ("--set", "--config", "-v", "--verbose"):
            hint = f" {error.option_name} is a global option: put it before the command, e.g. "
            hint += f"`rashomon {error.option_name} … ingest PATH`."
            click.UsageError(error.format_message() + hint, error.ctx).show()
        else:
            error.show()
        sys.exit(error.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except KeyboardInterrupt:
        err.print("Interrupted.", markup=False)
        sys.exit(130)
    except RashomonError as error:
        err.print(f"Error: {error}", markup=False)
        sys.exit(1)
    except Exception as error:
        if logging.getLogger().isEnabledFor(logging.INFO):
            logging.getLogger("rashomon").exception("internal error")
        err.print(
            f"Error: internal error: {type(error).__name__}: {error}. Run again with -v for the traceback "
            "and report it; your inputs and workspace are unchanged by the failed step.",
            markup=False,
        )
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
    sys.exit(0)
