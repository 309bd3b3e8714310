"""Gates on the plugin framework itself: every hook documented and tested, every plugin
loadable together, plugin tables prefixed, and models in step with migrations."""

from __future__ import annotations

import inspect
import re
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from lms.extensions import Base
from lms.plugins import spec
from tests.plugins.conftest import PLUGIN_PATHS, flask_env, run_flask

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "plugins.md"


def hookspecs() -> dict[str, object]:
    return {
        name: function
        for name, function in vars(spec).items()
        if name.startswith("lms_") and hasattr(function, "lms_spec")
    }


def signature(name: str, function: object) -> str:
    """``lms_nav_items(user: User) -> list[NavItem]``, as the docs show it."""
    sig = inspect.signature(function)  # type: ignore[arg-type]
    params = ", ".join(f"{p.name}: {p.annotation}" for p in sig.parameters.values())
    return f"{name}({params}) -> {sig.return_annotation}"


def every_plugin() -> tuple[list[str], dict[str, str]]:
    """The test plugins plus every installed ``lms.plugins`` entry point."""
    installed = [ep.name for ep in entry_points(group="lms.plugins")]
    return [*PLUGIN_PATHS, *installed], dict(PLUGIN_PATHS)


def test_there_are_hookspecs():
    assert "lms_nav_items" in hookspecs()
    assert all(name.startswith("lms_") for name in hookspecs())


@pytest.mark.parametrize("name", sorted(hookspecs()))
def test_every_hook_is_documented(name):
    text = DOCS.read_text(encoding="utf-8")
    assert re.search(rf"^### {name}$", text, re.MULTILINE), f"docs/plugins.md: no '### {name}'"
    expected = signature(name, hookspecs()[name])
    assert expected in text, f"docs/plugins.md does not show the signature {expected}"


def test_documented_hooks_exist():
    text = DOCS.read_text(encoding="utf-8")
    documented = set(re.findall(r"^### (lms_\w+)$", text, re.MULTILINE))
    assert documented - set(hookspecs()) == set(), "docs/plugins.md documents hooks that are gone"


def test_every_hook_has_a_test():
    sources = [
        path.read_text(encoding="utf-8")
        for folder in (ROOT / "tests", ROOT / "plugins")
        for path in folder.rglob("*.py")
    ]
    tested = {m for text in sources for m in re.findall(r"^def test_hook_(lms_\w+)\(", text, re.M)}
    missing = sorted(set(hookspecs()) - tested)
    assert missing == [], f"hooks without a test_hook_<name> test: {missing}"


def test_the_sample_plugin_implements_every_hook():
    from tests.plugins.sample import SamplePlugin

    implemented = {
        name for name in dir(SamplePlugin) if hasattr(getattr(SamplePlugin, name), "lms_impl")
    }
    assert sorted(set(hookspecs()) - implemented) == []


def test_every_plugin_loads_together(make_app):
    names, paths = every_plugin()
    app = make_app(PLUGINS=names, PLUGIN_PATHS=paths)
    host = app.extensions["lms_plugins"]
    assert set(host.plugins) == set(names)
    host.pm.check_pending()  # no hook implementation without a hookspec


def test_every_plugin_table_carries_its_prefix(make_app):
    names, paths = every_plugin()
    app = make_app(PLUGINS=names, PLUGIN_PATHS=paths)
    host = app.extensions["lms_plugins"]
    checked = []
    for plugin in host.plugins.values():
        for mapper in Base.registry.mappers:
            module = mapper.class_.__module__
            if module == plugin.package or module.startswith(plugin.package + "."):
                table = getattr(mapper.local_table, "name", "")
                assert table.startswith(f"{plugin.name}_"), (plugin.name, table)
                checked.append(table)
    assert "sample_notes" in checked


# Models and migrations agree: a fresh database built by `flask db upgrade heads` leaves
# `flask db check` nothing to do. Each check runs in its own process, so only the models of
# the plugins loaded there are in SQLAlchemy's metadata.


def test_core_models_match_core_migrations(tmp_path):
    _upgrade_then_check(tmp_path, plugins=[])


def test_models_match_migrations_with_every_plugin(tmp_path):
    names, _paths = every_plugin()
    _upgrade_then_check(tmp_path, plugins=names)


def _upgrade_then_check(tmp_path: Path, plugins: list[str]) -> None:
    env = flask_env(tmp_path / "instance", plugins)
    upgrade = run_flask(env, "db", "upgrade", "heads")
    assert upgrade.returncode == 0, upgrade.stderr
    check = run_flask(env, "db", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr
    if "sample" in plugins:
        assert "sample_0001" in upgrade.stderr
