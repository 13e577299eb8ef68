"""Results where teams keep them: a complete run folder sent to Weights & Biases or to a
Hugging Face Hub dataset repo (``summeval push``, or ``output.push`` after a run).

W&B gets the scores with their intervals as summary metrics (``<task>/<model>/<measure>``,
``..._low``, ``..._high``, like lm-evaluation-harness's ``_stderr`` beside each metric), the
per-article samples as a Table and the run folder as an artifact. The Hub gets the run
folder and a generated dataset card (models, scores, signatures). Neither library is
imported unless used; tokens are read by the libraries from the environment
(``WANDB_API_KEY``, ``HF_TOKEN``) and never written anywhere by summeval.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from summeval.errors import ServiceError, UserError
from summeval.results import SHORT, all_scores, format_f1
from summeval.runs import Run


def score_metrics(run: Run) -> dict[str, float | int | str]:
    """Flat summary metrics: F1 and its interval per task x model x measure, n, and the
    scoring signature per task (0-1 scale)."""
    out: dict[str, float | int | str] = {}
    for e in run.entries:
        key = f"{e.task}/{e.model}"
        out[f"{key}/n"] = e.result.n_scored
        for measure, score in all_scores(e.result).items():
            if score is None or score.fmeasure is None:
                continue
            out[f"{key}/{measure}"] = score.fmeasure
            for bound in ("low", "high"):
                value = getattr(score, f"fmeasure_{bound}")
                if value is not None:
                    out[f"{key}/{measure}_{bound}"] = value
        out[f"{e.task}/signature"] = e.signature
    return out


def sample_rows(run: Run) -> tuple[list[str], list[list[Any]]]:
    """Every model x task x article as one row: its output, references and F1 scores."""
    measures = sorted({m for e in run.entries for s in e.samples for m in (s.get("scores") or {})})
    columns = ["model", "task", "id", "prediction", "references", *measures]
    rows = []
    for e in run.entries:
        for s in e.samples:
            scores = s.get("scores") or {}
            rows.append(
                [e.model, e.task, str(s["id"]), s.get("prediction", ""),
                 "\n".join(s.get("references", [])),
                 *(scores[m]["fmeasure"] if m in scores else None for m in measures)]
            )  # fmt: skip
    return columns, rows


def run_files(run: Run) -> list[Path]:
    """The run folder's files, less its lock file (``.summeval.lock``)."""
    return sorted(p for p in run.path.iterdir() if p.is_file() and not p.name.startswith("."))


def _wandb_ready() -> None:
    """Online W&B needs a key; without one wandb would prompt. Offline needs none."""
    mode = os.environ.get("WANDB_MODE", "").lower()
    if mode in ("offline", "disabled", "dryrun") or os.environ.get("WANDB_API_KEY"):
        return
    netrc = Path(os.environ.get("NETRC", Path.home() / ".netrc"))
    if netrc.is_file() and "api.wandb.ai" in netrc.read_text(errors="replace"):
        return  # `wandb login` was run
    raise UserError(
        "no W&B credentials",
        where="push to wandb",
        hint="set WANDB_API_KEY (or run wandb login), or WANDB_MODE=offline to keep it local",
    )


def to_wandb(run: Run, project: str, entity: str | None = None) -> str:
    """One W&B run: config, summary metrics, the samples Table, the folder as an artifact.
    Returns where it went (the run's URL, or its local folder offline)."""
    _wandb_ready()
    import wandb

    config = {
        "summeval_version": run.results.summeval_version,
        "run": run.name,
        "config": yaml.safe_load((run.path / "config.yaml").read_text(encoding="utf-8")),
        "rouge_settings": run.results.rouge_settings,
        "versions": run.results.versions,
    }
    try:
        with wandb.init(
            project=project,
            entity=entity,
            name=run.name,
            config=config,
            job_type="evaluation",
            settings=wandb.Settings(silent=True),  # summeval says where it went, in one line
        ) as wb:
            wb.summary.update(score_metrics(run))
            columns, rows = sample_rows(run)
            wb.log({"samples": wandb.Table(columns=columns, data=rows)})
            artifact = wandb.Artifact(f"summeval-{run.name}", type="evaluation")
            for path in run_files(run):
                artifact.add_file(str(path))
            wb.log_artifact(artifact)
            where = wb.url or str(Path(wb.dir).parent)
    except (UserError, KeyboardInterrupt):
        raise
    except Exception as exc:  # network, auth, quota: one line, the run folder is intact
        raise ServiceError(
            f"W&B: {exc.__class__.__name__}: {' '.join(str(exc).split())[:200]}",
            where=f"push {run.path} to wandb",
            hint=f"the run is complete in {run.path}; retry: summeval push {run.path} --to wandb",
        ) from None
    return where


def dataset_card(run: Run) -> str:
    """README.md of the Hub dataset repo: what was run, the scores, the signatures."""
    meta = {"tags": ["summeval", "evaluation", "summarization"], "pretty_name": run.name}
    lines = [
        "---",
        yaml.safe_dump(meta, sort_keys=False).strip(),
        "---",
        "",
        f"# summeval run: {run.name}",
        "",
        f"Written by summeval {run.results.summeval_version} on {run.results.created or '?'} "
        f"(config `{run.results.config_file}`, {run.results.data.get('used', '?')} articles "
        f"from `{run.results.data.get('source', '?')}`).",
        "",
        "| model | backend | model id |",
        "|---|---|---|",
        *(f"| {name} | {m.backend} | {m.model or ''} |" for name, m in run.results.models.items()),
        "",
        "| task | model | measure | F1 (0-100) [95% interval] | n |",
        "|---|---|---|---|---:|",
    ]
    for e in run.entries:
        for measure, score in all_scores(e.result).items():
            cell = "n/a" if score is None or score.fmeasure is None else format_f1(score)
            lines.append(
                f"| {e.task} | {e.model} | {SHORT.get(measure, measure)} | {cell} | "
                f"{e.result.n_scored} |"
            )
    lines += ["", "Signatures (how each score was computed):", ""]
    lines += [f"- {task}: `{sig}`" for task, sig in _signatures(run).items()]
    lines += [
        "",
        "Files: `results.json` (its JSON Schema: `summeval schema`), `table.md`/`table.csv`, "
        "`samples_<model>_<task>.jsonl` (every output with its scores), `articles.jsonl`, "
        "`config.yaml` (rerun with `summeval run config.yaml`).",
        "",
    ]
    return "\n".join(lines)


def _signatures(run: Run) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in run.entries:
        out.setdefault(e.task, e.signature)
        for name, sig in (e.result.metric_signatures or {}).items():
            out.setdefault(f"{e.task} {name}", sig)
    return out


def to_hub(run: Run, repo: str, private: bool = True) -> str:
    """The run folder and its card to a dataset repo (created if missing, private unless
    asked). Returns the commit URL."""
    from huggingface_hub import HfApi

    api = HfApi()  # token and endpoint from the environment (HF_TOKEN, HF_ENDPOINT)
    with tempfile.TemporaryDirectory(prefix="summeval-push-") as tmp:
        staged = Path(tmp) / run.name
        staged.mkdir()
        for path in run_files(run):
            shutil.copy2(path, staged / path.name)
        (staged / "README.md").write_text(dataset_card(run), encoding="utf-8")
        try:
            api.create_repo(repo, repo_type="dataset", private=private, exist_ok=True)
            info = api.upload_folder(
                repo_id=repo,
                repo_type="dataset",
                folder_path=str(staged),
                commit_message=f"summeval run {run.name}",
            )
        except Exception as exc:  # auth, network, a repo of another type: one line
            raise ServiceError(
                f"Hub: {exc.__class__.__name__}: {' '.join(str(exc).split())[:200]}",
                where=f"push {run.path} to {repo}",
                hint=f"the run is complete in {run.path}; check HF_TOKEN, then retry with "
                f"summeval push {run.path} --to hub --repo {repo}",
            ) from None
    return str(getattr(info, "commit_url", info))


def push(run: Run, target: Any) -> str:
    """Send a complete run where ``target`` (a ``PushConfig``) says; returns where."""
    if target.to == "wandb":
        return to_wandb(run, target.project, target.entity)
    return to_hub(run, target.repo, target.private)
