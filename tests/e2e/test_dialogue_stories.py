"""The test stories in tests/test_stories.yml, predicted by the trained model (`rasa test core`).
With --e2e, steps that carry the user's words are parsed by the model too (intent, entities and the
ResponseSelector's education answer); steps with only an intent are taken as given."""
import subprocess

import pytest

from tests.conftest import PROJECT_ROOT
from tests.e2e.conftest import BIN

pytestmark = pytest.mark.e2e


def test_every_test_story_is_predicted_exactly(trained_model, tmp_path):
    done = subprocess.run(
        [str(BIN / "rasa"), "test", "core", "--model", str(trained_model), "--stories", "tests/test_stories.yml",
         "--out", str(tmp_path), "--fail-on-prediction-errors", "--e2e"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
    )
    failed = (tmp_path / "failed_test_stories.yml")
    detail = failed.read_text() if failed.exists() else done.stdout[-3000:] + done.stderr[-3000:]
    assert done.returncode == 0, detail
