"""Command line: ``summeval run|score|compare|show|diff|report|validate|cache|version``
(also ``python -m summeval``)."""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import shlex
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from summeval import __version__
from summeval.errors import EXIT_SERVICE_ERROR, EXIT_USER_ERROR, ServiceError, UserError
from summeval.logs import to_stderr

if TYPE_CHECKING:
    from summeval.config import SummevalConfig


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="summeval",
        description="Evaluate summarisation models: a summary and a headline per article, "
        "scored with ROUGE; result tables in results/.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks and library logs")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_config(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "config",
            help="YAML config file (configs/base.yaml) or a packaged config's name (base; "
            "summeval configs lists them)",
        )
        p.add_argument(
            "--set",
            dest="overrides",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="override a config value, e.g. --set dataset.limit=5 "
            "--set models.smollm2-135m.batch_size=8 (repeatable; values are YAML)",
        )
        p.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )

    run = sub.add_parser("run", help="generate, score and write results/<run>/")
    with_config(run)
    run.add_argument("--output-dir", help="results folder (overrides output.dir)")
    run.add_argument("--run-name", help="run folder name (default: the config file's stem)")
    run.add_argument("--no-progress", action="store_true", help="hide progress bars")
    run.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write the generation cache (same as cache: false)",
    )
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="print, per model and task, the first article's exact prompt (after truncation), "
        "the decoding settings and how many generations are cached; generate nothing, load no "
        "weights, write nothing",
    )
    run.add_argument(
        "--check-determinism",
        type=int,
        default=0,
        metavar="N",
        help="regenerate the first N articles at batch size 1 and report any divergence "
        "(default %(default)s: no check)",
    )

    run.add_argument(
        "--profile",
        choices=["rouge155", "rouge-score", "hf", "multilingual"],
        help="ROUGE profile (same as --set metrics.rouge.profile=...)",
    )

    score = sub.add_parser(
        "score",
        help="score existing predictions against references (no model)",
        description="ROUGE with bootstrap intervals for predictions made elsewhere. "
        'Files ending .jsonl/.json are JSON lines: predictions {"id", "prediction"}, '
        'references {"id", "references": [...]} (or reference, summaries, summary, highlights, '
        "headlines, headline; --refs-field NAME for another); any other file is plain text, "
        "one item per line. Scores print on a 0-100 scale (--json: 0-1).",
    )
    score.add_argument("predictions", help="predictions file (.jsonl or plain text)")
    score.add_argument(
        "--refs",
        action="append",
        required=True,
        metavar="REFERENCES",
        help="references file (.jsonl or plain text); repeat for more references per article",
    )
    score.add_argument(
        "--refs-field",
        metavar="NAME",
        help="JSON field of the references (default: the first found of references, "
        "reference, summaries, summary, highlights, headlines, headline)",
    )
    score.add_argument(
        "--pred-field",
        metavar="NAME",
        help="JSON field of the predictions (default: prediction, predictions, output, generated)",
    )
    score.add_argument(
        "--per-article",
        metavar="FILE.jsonl",
        help='write each item\'s scores as JSON lines {"id", "scores": {measure: {precision, '
        "recall, fmeasure}}} (0-1; null without a reference), for error analysis",
    )
    score.add_argument(
        "--profile",
        choices=["rouge155", "rouge-score", "hf", "multilingual"],
        help="rouge155 (default; multilingual when --language is not English): ROUGE-1.5.5; "
        "rouge-score: google's rouge-score; hf: the transformers summarisation example; "
        "multilingual: XL-Sum's scorer, for any language given with --language (see "
        "docs/rouge.md)",
    )
    score.add_argument(
        "--multi-ref", choices=["pooled", "max", "mean"], help="how several references combine"
    )
    score.add_argument("--no-stem", action="store_true", help="no stemming")
    score.add_argument(
        "--language",
        metavar="ISO",
        help="language of the texts (fr, ar, hi, zh, ...): a language other than English "
        "selects the multilingual profile (its Snowball stemmer and word segmenter), as "
        "dataset.language does for run",
    )
    score.add_argument(
        "--tokenizer", choices=["rouge155", "rouge-score", "unicode"], help="override the profile's"
    )
    score.add_argument(
        "--split",
        choices=["sentences", "newline"],
        help="sentences for ROUGE-Lsum: split them (sentences) or take lines as they are",
    )
    score.add_argument(
        "--types",
        default="rouge1,rouge2,rougeL,rougeLsum",
        help="comma-separated measures among rouge1..rouge4, rougeL, rougeLsum",
    )
    score.add_argument(
        "-s", "--stopwords", action="store_true", help="remove ROUGE-1.5.5's stopwords (-s)"
    )
    limit = score.add_mutually_exclusive_group()
    limit.add_argument("-l", "--word-limit", type=int, metavar="N", help="first N words only")
    limit.add_argument("-b", "--byte-limit", type=int, metavar="N", help="first N bytes only")
    score.add_argument(
        "--bootstrap", type=int, default=1000, metavar="N",
        help="bootstrap resamples for the intervals (default %(default)s; 0: no intervals)",
    )  # fmt: skip
    score.add_argument(
        "--no-stats",
        action="store_true",
        help="skip the data statistics (lengths, repetition) below the table; --json never "
        "computes them, as it does not print them",
    )
    score.add_argument(
        "--confidence", type=float, default=0.95, help="interval level (default %(default)s)"
    )
    score.add_argument("--seed", type=int, default=0, help="bootstrap seed (default %(default)s)")
    score.add_argument("--json", action="store_true", help="print one JSON object (0-1 scale)")
    score.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )

    compare = sub.add_parser(
        "compare",
        help="leaderboard over runs: results/leaderboard.md/.csv/.json and plots",
        description="Compare models across runs. Results are ranked and tested only within "
        "groups that share the scoring signature and the article set; other groups are listed "
        "apart with what differs. Corrupt or partial run folders are reported and skipped.",
    )
    compare.add_argument(
        "paths", nargs="*", default=["results"], metavar="RESULTS_DIR|RUN",
        help="a folder of runs (default: results) or run folders",
    )  # fmt: skip
    compare.add_argument(
        "--baseline", metavar="RUN:MODEL|MODEL", help="baseline for the significance marks "
        "(default: each group's first model)",
    )  # fmt: skip
    compare.add_argument(
        "--output-dir", help="where the leaderboard goes (default: the results folder given)"
    )
    compare.add_argument(
        "--bootstrap", type=int, default=1000,
        help="paired bootstrap resamples (default %(default)s)",
    )  # fmt: skip
    compare.add_argument(
        "--permutations", type=int, default=10000,
        help="approximate randomisation trials (default %(default)s)",
    )  # fmt: skip
    compare.add_argument(
        "--seed", type=int, default=0,
        help="seed of the paired tests' resampling (default %(default)s)",
    )  # fmt: skip

    show = sub.add_parser("show", help="one article: its references and every model's outputs")
    show.add_argument("run", help="a run folder, or a run name under results/")
    show.add_argument("--article", required=True, metavar="ID", help="the article id")
    show.add_argument(
        "--chars", type=int, default=600,
        help="how many characters of the article to print (default %(default)s)",
    )  # fmt: skip

    diff = sub.add_parser("diff", help="the articles where two models differ most")
    diff.add_argument(
        "a", metavar="RUN_A:MODEL",
        help="A: a run (folder, or name under results/) and one of its models, e.g. base:lead-1",
    )  # fmt: skip
    diff.add_argument(
        "b", metavar="RUN_B:MODEL", help="B: the same, e.g. base:smollm2-135m (may be the same run)"
    )
    diff.add_argument(
        "--task", default="summary", choices=["summary", "headline"],
        help="which task's outputs to compare (default %(default)s)",
    )  # fmt: skip
    diff.add_argument(
        "--measure",
        default="rouge1",
        choices=["rouge1", "rouge2", "rouge3", "rouge4", "rougeL", "rougeLsum"],
        help="the F1 the articles are ranked by (default %(default)s)",
    )
    diff.add_argument(
        "--top", type=int, default=10, help="how many articles to list (default %(default)s)"
    )

    report = sub.add_parser("report", help="(re)write a run's single-file report.html")
    report.add_argument("run", help="a run folder, or a run name under results/")
    report.add_argument(
        "--max-articles", type=int, default=1000,
        help="articles in the report's browser (default %(default)s)",
    )  # fmt: skip
    report.add_argument("--output", help="where to write it (default: <run>/report.html)")

    for p in (compare, show, diff, report):
        p.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )

    validate = sub.add_parser("validate", help="check a config without running it")
    with_config(validate)

    cache = sub.add_parser("cache", help="inspect or clear the generation cache")
    cache.add_argument(
        "action", choices=["info", "clear"],
        help="info: the cache folder and, per model, its fingerprint, name, generations, size "
        "and model; clear: delete the cache files (other files in the folder are kept)",
    )  # fmt: skip

    meta = sub.add_parser(
        "meta-eval",
        help="how well metrics agree with human judgements (correlations, intervals, tests)",
    )
    meta.add_argument(
        "file", help='JSON lines {"id", "system", "prediction", "references", "human": {...}}'
    )
    meta.add_argument(
        "--metrics", default="rouge1,rouge2,rougeL", help="comma-separated metric names"
    )
    meta.add_argument("--human", help="comma-separated human dimensions (default: all)")
    meta.add_argument(
        "--articles",
        help='{"id", "article"} JSON lines: the articles, for source-based metrics '
        "(hallucination, summac_zs, summac_conv); or an 'article' field on each line; "
        "default: NAME_articles.jsonl beside NAME_meta.jsonl, if there is one",
    )
    meta.add_argument(
        "--summac-model",
        help="NLI model for summac_zs/summac_conv (default: metrics.summac's, "
        "tals/albert-xlarge-vitaminc-mnli)",
    )
    meta.add_argument(
        "--profile",
        default="rouge155",
        choices=["rouge155", "rouge-score", "hf", "multilingual"],
        help="ROUGE profile for the ROUGE metrics",
    )
    meta.add_argument(
        "--resample",
        default="both",
        choices=["systems", "articles", "both"],
        help="what the bootstrap and permutations resample (Deutsch et al. 2021)",
    )
    meta.add_argument(
        "--bootstrap", type=int, default=1000, help="bootstrap resamples (default %(default)s)"
    )
    meta.add_argument(
        "--permutations", type=int, default=1000,
        help="permutation-test trials (default %(default)s)",
    )  # fmt: skip
    meta.add_argument(
        "--confidence", type=float, default=0.95, help="interval level (default %(default)s)"
    )
    meta.add_argument(
        "--seed", type=int, default=0, help="seed of the resampling (default %(default)s)"
    )
    meta.add_argument(
        "--output-dir", default="results/meta-eval", help="where the tables and heat map go"
    )

    push = sub.add_parser(
        "push", help="send a complete run to Weights & Biases or a Hugging Face Hub dataset repo"
    )
    push.add_argument("run", help="a run folder, or a run name under results/")
    push.add_argument(
        "--to", required=True, choices=["wandb", "hub"], help="Weights & Biases or the Hub"
    )
    push.add_argument("--project", default="summeval", help="W&B project (default %(default)s)")
    push.add_argument("--entity", help="W&B entity (team or user)")
    push.add_argument("--repo", help="Hub dataset repo id, e.g. me/summeval-runs")
    push.add_argument(
        "--public", action="store_true", help="make a new Hub repo public (default: private)"
    )
    sub.add_parser("configs", help="list the packaged configs (summeval run NAME runs one)")
    sub.add_parser("schema", help="print the JSON Schema of results.json")
    sub.add_parser("version", help="print the version")
    return parser


def _quiet_libraries() -> None:
    """Keep library chatter (weight-loading bars, deprecation notes) off the terminal."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import logging
    import warnings

    for name in ("huggingface_hub", "transformers", "datasets", "httpx", "httpx2", "sacrebleu"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="transformers")


def _load_config(path: str, overrides: list[str]) -> SummevalConfig:
    """The config, validated, with its backends checked against the registry."""
    from summeval.api import load

    return load(path, overrides)[0]


def _cmd_validate(args: argparse.Namespace) -> int:
    from summeval.config import run_name_for

    cfg = _load_config(args.config, args.overrides)
    _check_local_inputs(cfg)
    tasks = [t for t in ("summary", "headline") if cfg.tasks.get(t).enabled]
    print(
        f"{args.config}: OK ({len(cfg.models)} model(s): "
        f"{', '.join(m.name for m in cfg.models)}; tasks: {', '.join(tasks)}; "
        f"run folder: {Path(cfg.output.dir) / run_name_for(cfg, args.config)})"
    )
    for note in _hub_notes(cfg):
        print(f"note: {note}")
    return 0


def _hub_notes(cfg: SummevalConfig) -> list[str]:
    """Hub datasets and models the run will have to download: not in the local Hugging Face
    cache (checked without the network), so offline the run would stop at them."""
    from summeval.data.readers import _detect_source, hub_dataset_cached

    notes = []
    ds = cfg.dataset
    local = ds.name is None or Path(ds.name).exists()
    if _detect_source(ds) == "hf" and not local and not hub_dataset_cached(ds):
        notes.append(
            f"dataset '{ds.name}' is not in the local Hugging Face cache: the run "
            "downloads it (offline it stops there)"
        )
    for m in cfg.models:
        ref = m.model
        if m.backend not in ("hf-causal", "hf-seq2seq") or not ref or Path(ref).exists():
            continue
        if ref.startswith(("/", "./", "../", "~")):
            continue
        import huggingface_hub

        try:
            found = huggingface_hub.try_to_load_from_cache(ref, "config.json", revision=m.revision)
        except Exception:  # not a Hub id (e.g. tiny-random:t5); the backend checks it
            continue
        if not isinstance(found, str):
            notes.append(
                f"model '{ref}' (models.{m.name}) is not in the local Hugging Face cache: "
                "the run downloads it (offline it stops there)"
            )
    return notes


def _check_local_inputs(cfg: SummevalConfig) -> None:
    """What can be checked without the network or loading a model: the dataset file, local
    model folders and GGUF files or packages (building a backend loads nothing)."""
    from summeval.data.readers import check_dataset_path
    from summeval.models import create_backend

    check_dataset_path(cfg.dataset)
    for model in cfg.models:
        create_backend(model, cfg.tasks, cfg.seed)


_SELF = ("python", "-m", "summeval")


def _interruptible() -> tuple[Any, Any]:
    """Ctrl-C (SIGINT) and SIGTERM stop a run cleanly, even when the parent started us with
    SIGINT ignored (a shell's background job, some CI runners): both raise KeyboardInterrupt,
    so what is done is written and the resume command printed. Returns the old handlers."""

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    old = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, stop)
    return old


def _cmd_run(args: argparse.Namespace) -> int:
    from summeval.config import run_name_for

    overrides = list(args.overrides)
    if args.output_dir:
        overrides.append(f"output.dir={args.output_dir}")
    if args.profile:
        overrides.append(f"metrics.rouge.profile={args.profile}")
    if args.no_progress:
        # Library bars too (transformers' GGUF de-quantisation): tqdm reads TQDM_* defaults
        # when it is first imported, which is below.
        os.environ["TQDM_DISABLE"] = "1"
    if args.dry_run:
        from summeval.run import RunOptions, dry_run

        cfg = _load_config(args.config, overrides)
        run_name_for(cfg, args.config, args.run_name)  # a bad run name fails here too
        print(dry_run(cfg, RunOptions(use_cache=not args.no_cache)))
        return 0
    from summeval.api import evaluate

    old_int, old_term = _interruptible()
    try:
        outcome = evaluate(
            args.config,
            overrides,
            run_name=args.run_name,
            use_cache=not args.no_cache,
            progress=not args.no_progress,
            check_determinism=max(0, args.check_determinism),
        )
    except KeyboardInterrupt:
        again = shlex.join([*_SELF, *sys.argv[1:]])
        print(
            "summeval: interrupted; finished generations are saved in the cache. "
            f"Resume with: {again}",
            file=sys.stderr,
        )
        return 130
    finally:  # a caller running summeval in-process gets its own handlers back
        signal.signal(signal.SIGINT, old_int if old_int is not None else signal.SIG_DFL)
        signal.signal(signal.SIGTERM, old_term if old_term is not None else signal.SIG_DFL)
    if outcome.results is None:  # a data-parallel rank other than 0: rank 0 prints
        return 0
    print((outcome.run_dir / "table.md").read_text(encoding="utf-8"))
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    import json

    from summeval.atomic import write_atomic
    from summeval.scoring import (
        as_json,
        as_text,
        choose_settings,
        per_article_lines,
        score_files,
    )

    settings = choose_settings(
        args.profile,
        args.language,
        "summeval score",
        measures=[t.strip() for t in args.types.split(",") if t.strip()],
        multi_ref=args.multi_ref,
        stem=False if args.no_stem else None,
        tokenizer=args.tokenizer,
        split=args.split,
        stopwords=args.stopwords or None,
        word_limit=args.word_limit,
        byte_limit=args.byte_limit,
        resamples=args.bootstrap,
        confidence=args.confidence,
        seed=args.seed,
    )
    result = score_files(
        Path(args.predictions),
        [Path(r) for r in args.refs],
        settings,
        pred_field=args.pred_field,
        refs_field=args.refs_field,
        language_key="--language",
        stats=not (args.no_stats or args.json),
    )
    scores, stats, unscored = result.scores, result.stats, result.unscored
    for path, field in result.fields.items():
        print(f"summeval: {path}: texts from the '{field}' field", file=sys.stderr)
    if args.per_article:
        write_atomic(Path(args.per_article), per_article_lines(result))
        print(f"summeval: per-article scores written to {args.per_article}", file=sys.stderr)
    for warning in scores.warnings:
        print(f"summeval: warning: {warning}", file=sys.stderr)
    if unscored:
        print(
            f"summeval: warning: {unscored} article(s) have no non-empty reference and are "
            "not scored",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps(as_json(scores)))
    else:
        print(as_text(scores, stats, unscored))
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from summeval import compare
    from summeval.runs import find_runs

    paths = [Path(p) for p in args.paths]
    runs, skipped = find_runs(paths)
    for path, reason in skipped:
        print(f"summeval: skipped {path}: {reason}", file=sys.stderr)
    if not runs:
        raise UserError(
            "no complete run found",
            where=", ".join(args.paths),
            hint="run summeval run first, or give run folders",
        )
    options = compare.CompareOptions(args.baseline, args.bootstrap, args.permutations, args.seed)
    doc = compare.build(runs, skipped, options)
    if args.output_dir:
        out_dir = Path(args.output_dir)
    else:
        out_dir = paths[0] if len(paths) == 1 and paths[0] != runs[0].path else runs[0].path.parent
    files = compare.write(doc, runs, out_dir)
    print(compare.render_markdown(doc))
    names = "leaderboard.md, .csv, .json and plots"
    print(f"summeval: wrote {len(files)} file(s) to {out_dir}/ ({names})", file=sys.stderr)
    return 0


@contextlib.contextmanager
def _readable(run: Any) -> Iterator[None]:
    """A run file read on demand (``articles.jsonl``) that is broken: one line, as compare
    gives, naming the folder."""
    from summeval.runs import RunProblem

    try:
        yield
    except RunProblem as err:
        raise UserError(str(err), where=str(run.path), hint="rerun the run to rewrite it") from None


def _cmd_show(args: argparse.Namespace) -> int:
    from summeval.runs import resolve_run
    from summeval.show import show_article, terminal_safe

    run = resolve_run(args.run)
    with _readable(run):
        print(terminal_safe(show_article(run, args.article, args.chars)), end="")
    return 0


def _cmd_diff(args: argparse.Namespace) -> int:
    from summeval.show import diff_entries, entry_for, terminal_safe

    a, b = entry_for(args.a, args.task), entry_for(args.b, args.task)
    print(terminal_safe(diff_entries(a, b, args.measure, args.top)), end="")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from summeval.report import write_report
    from summeval.runs import resolve_run

    run = resolve_run(args.run)
    with _readable(run):
        path = write_report(
            run, Path(args.output) if args.output else None, max_articles=args.max_articles
        )
    print(f"summeval: wrote {path}", file=sys.stderr)
    return 0


def _cmd_cache(args: argparse.Namespace) -> int:
    from summeval.cache import cache_summary, clear_generations, generations_folder, is_cache_file
    from summeval.locks import describe_owner

    folder = generations_folder()
    if args.action == "clear":
        removed, busy = clear_generations()
        kept = sum(not is_cache_file(p) for p in folder.iterdir()) if folder.is_dir() else 0
        print(
            f"removed {len(removed)} summeval cache file(s) from {folder}"
            + (f"; {kept} other file(s) there left alone" if kept else "")
        )
        for lock in busy:
            print(
                f"skipped {lock.name[: -len('.jsonl.lock')]}: a running summeval process "
                f"{describe_owner(lock)} is generating with it; clear again when it has finished"
            )
        return 0
    entries = cache_summary()
    print(f"generation cache: {folder}")
    if not entries:
        print("  (empty)")
    for e in entries:
        print(
            f"  {e['fingerprint']}  {e['model']:<20} {e['records']:>7} generation(s) "
            f"{e['bytes'] / 1e6:8.2f} MB  {e['source']}"
        )
    return 0


_OS_HINTS = {
    errno.ENOSPC: "no space left on the device; free some space and rerun (what was written "
    "is kept, and generations are in the cache)",
    errno.EDQUOT: "disk quota exceeded; free some space and rerun (what was written is kept)",
    errno.EACCES: "permission denied; choose a folder you can write (--output-dir) or fix "
    "its permissions",
    errno.EPERM: "operation not permitted; choose another folder (--output-dir)",
    errno.EROFS: "read-only file system; choose a writable folder (--output-dir)",
    errno.EISDIR: "is a folder where a file was expected; give a file",
    errno.ENOTDIR: "a part of this path is a file, not a folder; choose another path",
    errno.ENAMETOOLONG: "file name too long; choose a shorter name",
    errno.EEXIST: "exists and is not a folder; choose another output folder (--output-dir)",
}


def os_error_line(err: OSError) -> str | None:
    """A one-line message naming the path for the file-system errors a user can fix (disk
    full, permissions, a file where a folder should be); None for anything else."""
    hint = _OS_HINTS.get(err.errno or -1)
    if hint is None:
        return None
    path = err.filename or getattr(err, "filename2", None)
    if path and err.errno in (errno.EACCES, errno.EPERM, errno.EROFS) and _in_cache(str(path)):
        hint = (
            f"{os.strerror(err.errno or 0).lower()}; set $SUMMEVAL_GENERATION_CACHE (or "
            "$SUMMEVAL_CACHE) to a writable folder, or run with --no-cache"
        )
    return f"{path}: {hint}" if path else hint


def _in_cache(path: str) -> bool:
    """Whether a path is in summeval's cache folders (not the results folder)."""
    from summeval.cache import cache_root, generations_folder

    here = Path(path).absolute()
    return any(
        here.is_relative_to(folder.absolute()) for folder in (cache_root(), generations_folder())
    )


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so Python's exit flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _cmd_meta_eval(args: argparse.Namespace) -> int:
    from summeval.metaeval import (
        SOURCE_METRICS,
        meta_evaluate,
        metric_functions,
        read_articles,
        read_judged,
        sibling_articles,
        write_outputs,
    )
    from summeval.metrics.rouge import ALL_MEASURES, settings_for

    names = [m.strip() for m in args.metrics.split(",") if m.strip()]
    if not names:
        raise UserError("no metric given", where="--metrics", hint="e.g. rouge1,rouge2,rougeL")
    if args.bootstrap < 1 or args.permutations < 1 or not 0 < args.confidence < 1:
        raise UserError(
            "--bootstrap and --permutations must be >= 1, --confidence between 0 and 1",
            where="summeval meta-eval",
        )
    dims = [d.strip() for d in args.human.split(",")] if args.human else None
    rouge = [m for m in names if m in ALL_MEASURES]
    try:
        settings = settings_for(args.profile, measures=rouge or ["rouge1"], resamples=1)
    except ValueError as err:
        raise UserError(str(err), where="--profile", hint="meta-eval scores English text") from None
    articles_file = Path(args.articles) if args.articles else None
    if articles_file is None and set(names) & set(SOURCE_METRICS):
        articles_file = sibling_articles(Path(args.file))  # realsumm_articles.jsonl
        if articles_file is not None:
            print(f"summeval: articles from {articles_file}", file=sys.stderr)
    articles = read_articles(articles_file) if articles_file else None
    judged = read_judged(Path(args.file), dims, articles)
    doc = meta_evaluate(
        judged,
        metric_functions(names, settings, judged.sources, args.summac_model),
        resampling=args.resample,
        bootstrap=args.bootstrap,
        permutations=args.permutations,
        confidence=args.confidence,
        seed=args.seed,
    )
    doc["file"] = args.file
    written = write_outputs(doc, Path(args.output_dir), args.file)
    print(written[0].read_text(encoding="utf-8"), end="")
    print(
        f"summeval: wrote {args.output_dir}/meta_eval.md, .csv, .json and meta_eval_heatmap.png",
        file=sys.stderr,
    )
    return 0


def _cmd_push(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from summeval.api import push_run
    from summeval.config import PushConfig

    try:
        target = PushConfig(
            to=args.to, project=args.project, entity=args.entity, repo=args.repo,
            private=not args.public,
        )  # fmt: skip
    except ValidationError as err:
        raise UserError(err.errors()[0]["msg"].removeprefix("Value error, "),
                        where="summeval push", hint="add --repo ID") from None  # fmt: skip
    push_run(args.run, [target])
    return 0


def _cmd_configs(args: argparse.Namespace) -> int:
    from summeval import packaged

    names = packaged.config_names()
    if not names:
        raise UserError("no packaged configs found (a broken install?)", hint="reinstall summeval")
    root = packaged.root()
    print(f"packaged configs (in {root}/configs; run one with: summeval run NAME):")
    for name in names:
        path = packaged.packaged_config(name)
        print(f"  {name:<14} {packaged.describe(path) if path else ''}")
    return 0


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "version":
        print(f"summeval {__version__}")
        return 0
    if args.command == "schema":
        from summeval.schema import json_schema

        print(json_schema(), end="")
        return 0
    commands = {
        "configs": _cmd_configs,
        "push": _cmd_push,
        "meta-eval": _cmd_meta_eval,
        "validate": _cmd_validate,
        "cache": _cmd_cache,
        "score": _cmd_score,
        "compare": _cmd_compare,
        "show": _cmd_show,
        "diff": _cmd_diff,
        "report": _cmd_report,
    }
    return commands.get(args.command, _cmd_run)(args)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    debug = bool(getattr(args, "debug", False))
    if not debug:
        _quiet_libraries()
    from summeval.parallel import is_secondary_rank

    secondary = is_secondary_rank()  # under torchrun: rank 0 alone says what all ranks do
    try:
        with contextlib.nullcontext() if secondary else to_stderr():
            code = _dispatch(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the handlers below
        return code
    except ServiceError as err:
        if debug:
            raise
        again = shlex.join([*_SELF, *(argv if argv is not None else sys.argv[1:])])
        print(f"summeval: error: {err.one_line()}", file=sys.stderr)
        print(f"summeval: resume with: {again}", file=sys.stderr)
        return EXIT_SERVICE_ERROR
    except UserError as err:
        if debug:
            raise
        if not secondary:  # bad input fails on every rank alike: say it once
            print(f"summeval: error: {err.one_line()}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("summeval: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and closed: a normal end
        _silence_stdout()
        return 0
    except Exception as err:  # an internal error: short by default, full with --debug
        if debug:
            raise
        line = os_error_line(err) if isinstance(err, OSError) else None
        if line is not None:  # a file-system error the user can fix
            print(f"summeval: error: {line}", file=sys.stderr)
            return EXIT_USER_ERROR
        msg = " ".join(str(err).split())[:300]
        print(
            f"summeval: internal error: {err.__class__.__name__}: {msg} (rerun with --debug "
            "for the traceback)",
            file=sys.stderr,
        )
        return 1
