"""The README and docs/ hold together: every `hub` command they show parses as written, every file
they name exists, and every link leads somewhere."""
import re
import shlex

import pytest

from bot.cli import build_parser
from tests.conftest import PROJECT_ROOT

PAGES = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
# Pages a branch links to before another branch writes them (empty when every branch has landed).
WRITTEN_ELSEWHERE: set[str] = set()


def shell_lines(text: str):
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        yield from (line for line in block.splitlines() if line.strip())


def hub_commands(page):
    """The `hub` command lines of the page's shell examples, as words."""
    for line in shell_lines(page.read_text()):
        line = re.sub(r"\$\([^)]*\)", "X", line)  # $(date +%F) and the like: one word
        words = shlex.split(line, comments=True)
        if words and words[0] in {"hub", ".venv/bin/hub"}:
            yield words[1:]
        elif words[:4] == ["docker", "compose", "run", "--rm"] and "hub" in words:
            yield words[words.index("hub") + 1:]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_hub_command_shown_parses_as_written(page):
    parser = build_parser()
    for words in hub_commands(page):
        try:
            parser.parse_args(words)
        except SystemExit:
            pytest.fail(f"{page.name}: `hub {' '.join(words)}` does not parse (hub --help)")


def test_the_pages_show_hub_commands_at_all():
    assert sum(1 for page in PAGES for _ in hub_commands(page)) >= 20


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_file_named_exists(page):
    text = page.read_text()
    named = set(re.findall(r"`((?:bot|actions|tests|bench|data|deploy|migrations|tools|docs)/[\w./-]*|[\w.-]+\.(?:yml|toml|txt|ini))`", text))
    missing = [path for path in named if not (PROJECT_ROOT / path).exists()]
    assert not missing, f"{page.name} names files that do not exist: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_link_leads_somewhere(page):
    text = page.read_text()
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if target.startswith(("http://", "https://", "#")):
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve()
        if file.name in WRITTEN_ELSEWHERE:
            continue
        assert file.exists(), f"{page.name}: {target} leads nowhere"
        if anchor:
            headings = {re.sub(r"[^\w\- ]", "", heading).strip().lower().replace(" ", "-")
                        for heading in re.findall(r"^#+ (.+)$", file.read_text(), re.M)}
            assert anchor in headings, f"{page.name}: {target} names no heading of {file.name}"


def test_the_readme_is_a_front_page():
    text = (PROJECT_ROOT / "README.md").read_text()
    assert len(text) < 10_000
    assert text.index("make run") < text.index("## Try it in the simulator") < text.index("## Where each topic lives")
    linked = set(re.findall(r"\]\(docs/([\w-]+\.md)\)", text))
    assert {page.name for page in PAGES if page.parent.name == "docs"} <= linked
