"""Records of full-setting runs: made by runs.train in the full profile, checked, published, compared with the code."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from mlbook import records, runs, runtime, train

CHAPTER = """---
kernelspec:
  name: python3
---

# Tiny

```{code-cell} ipython3
:tags: [remove-input]
from mlbook import runs, select
```
"""


def tiny_book(root: Path) -> Path:
    """A book folder with one chapter (``book/part/tiny.md``) that uses runs and select; returns the chapter."""
    (root / "_toc.yml").write_text("format: jb-book\nroot: book/part/tiny\n", encoding="utf-8")
    chapter = root / "book" / "part" / "tiny.md"
    chapter.parent.mkdir(parents=True)
    chapter.write_text(CHAPTER, encoding="utf-8")
    return chapter


def tiny_run(budget: runtime.Budget, key: str = "tiny/run", **kwargs) -> train.History:
    gen = torch.Generator().manual_seed(0)
    X = torch.randint(0, 256, (64, 4, 4), dtype=torch.uint8, generator=gen)
    y = (X.float().mean(dim=(1, 2)) > 127).long()
    runtime.seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(16, 2))
    return runs.train(key, net, (X, y), (X[:32], y[:32]), budget, lr=0.1, batch_size=16, draw=False, **kwargs)


@pytest.fixture
def book(tmp_path, monkeypatch):
    chapter = tiny_book(tmp_path)
    monkeypatch.chdir(chapter.parent)  # chapters execute in their own folder
    monkeypatch.setenv("MLBOOK_DEVICE", "cpu")
    monkeypatch.setenv("MLBOOK_COMMIT", "abc1234")
    return tmp_path


def test_a_full_run_writes_a_record_that_round_trips(book, monkeypatch):
    monkeypatch.setenv("MLBOOK_PROFILE", "full")
    history = tiny_run(runtime.budget(3))
    path = book / "_build" / "records" / "tiny" / "run.json"
    record = records.load(path)
    assert record["key"] == "tiny/run" and record["chapter"] == "book/part/tiny.md"
    assert record["profile"] == "full" and record["device"] == "cpu" and record["device_name"]
    assert (record["epochs"], record["n_train"], record["n_test"], record["batch_size"]) == (3, 64, 32, 16)
    assert record["commit"] == "abc1234" and record["precision"] == "fp32" and record["lr"] == 0.1
    assert record["history"]["test_acc"] == [round(a, 4) for a in history.test_acc]
    assert record["history"]["train_loss"] == [round(v, 4) for v in history.train_loss]
    # the fingerprint names the chapter's code and the mlbook modules it uses, and nothing has changed yet
    assert "book/part/tiny.md" in record["fingerprint"] and any(f.endswith("/runs.py") for f in record["fingerprint"])
    assert any(f.endswith("/select.py") for f in record["fingerprint"])
    assert not any(f.endswith(("/records.py", "/sources.py")) for f in record["fingerprint"])  # bookkeeping
    assert records.changed_files(record, book) == []
    # stable text: written again from the loaded record, the file is the same byte for byte
    assert records.dumps(record) == path.read_text(encoding="utf-8")
    assert json.loads(records.dumps(record)) == record


def test_a_quick_run_writes_no_record(book, monkeypatch):
    monkeypatch.setenv("MLBOOK_PROFILE", "quick")
    tiny_run(runtime.budget(2))
    assert not (book / "_build" / "records").exists()


def test_the_floor_is_checked_only_when_the_run_is_not_reduced(book, monkeypatch):
    monkeypatch.setenv("MLBOOK_PROFILE", "quick")
    reduced = runtime.budget(3, quick_epochs=1)
    assert reduced.reduced
    tiny_run(reduced, floor=1.01)  # an impossible floor: not checked on a reduced run
    with pytest.raises(AssertionError, match=r"below the floor 1\.01"):
        tiny_run(runtime.budget(1), floor=1.01)


def test_a_changed_chapter_or_helper_is_named(book, monkeypatch):
    monkeypatch.setenv("MLBOOK_PROFILE", "full")
    tiny_run(runtime.budget(1))
    record = records.load(book / "_build" / "records" / "tiny" / "run.json")
    chapter = book / "book" / "part" / "tiny.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("# Tiny", "# Tiny, new prose"), encoding="utf-8")
    assert records.changed_files(record, book) == []  # prose is not code
    chapter.write_text(chapter.read_text(encoding="utf-8").replace(":tags: [remove-input]", ":tags: [hide-input]"),
                       encoding="utf-8")
    assert records.changed_files(record, book) == []  # nor are a cell's options (tags, alt text)
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("select\n", "select  # new\n"), encoding="utf-8")
    assert records.changed_files(record, book) == ["book/part/tiny.md"]
    record["fingerprint"] = {**record["fingerprint"], "code/mlbook/gone.py": "0" * 16}
    assert "code/mlbook/gone.py" in records.changed_files(record, book)


@pytest.mark.parametrize(("text", "message"), [
    ("{not json", "not valid JSON"),
    ('{"schema": 99}', "unknown schema version 99"),
    ("[]", "not a JSON object"),
])
def test_a_malformed_record_is_named_with_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "lenet" / "d2l.json"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    with pytest.raises(records.RecordError, match=message) as err:
        records.load(path)
    assert str(err.value).startswith(str(path)) and "\n" not in str(err.value)


def good_record() -> dict:
    return {"schema": 1, "key": "lenet/d2l", "chapter": "book/cnn/lenet.md", "device": "cuda:0",
            "device_name": "NVIDIA H100 80GB HBM3", "torch": "2.11.0", "precision": "bf16", "profile": "full",
            "batch_size": 256, "lr": 0.9, "epochs": 2, "n_train": 60000, "n_test": 10000, "date": "2026-12-06",
            "commit": "abc1234", "fingerprint": {"book/cnn/lenet.md": "0" * 16},
            "history": {"train_loss": [2.3, 1.0], "train_acc": [0.1, 0.6], "test_acc": [0.2, 0.7],
                        "examples_per_sec": [1e5, 1.1e5], "seconds": [0.6, 0.5]}}


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r.pop("commit"), "missing field 'commit'"),
    (lambda r: r.update(epochs="2"), "field 'epochs' has the wrong type"),
    (lambda r: r["history"].update(test_acc=[0.2]), "one number per epoch"),
    (lambda r: r["history"].update(seconds=[0.6, float("nan")]), "not a finite number"),
    (lambda r: r.update(key="LeNet d2l"), "a record key is"),
])
def test_every_field_is_checked(tmp_path, change, message):
    record = good_record()
    records.validate(record, "ok")
    change(record)
    path = tmp_path / "lenet" / "d2l.json"
    path.parent.mkdir()
    path.write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(records.RecordError, match=message):
        records.load(path)


def test_a_record_must_sit_where_its_key_says(tmp_path):
    path = tmp_path / "alexnet" / "d2l.json"
    path.parent.mkdir()
    path.write_text(records.dumps(good_record()), encoding="utf-8")
    with pytest.raises(records.RecordError, match="does not match its place"):
        records.load(path)


def write_build_record(root: Path, record: dict) -> Path:
    path = root / "_build" / "records" / f"{record['key']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(records.dumps(record), encoding="utf-8")
    return path


def test_publish_copies_the_build_records_and_keeps_the_others(tmp_path):
    old = {**good_record(), "key": "mlp/relu", "chapter": "book/mlp/mlp.md"}
    (tmp_path / "book" / "records" / "mlp").mkdir(parents=True)
    (tmp_path / "book" / "records" / "mlp" / "relu.json").write_text(records.dumps(old), encoding="utf-8")
    write_build_record(tmp_path, good_record())
    published = records.publish(tmp_path, log=lambda _: None)
    assert published == [tmp_path / "book" / "records" / "lenet" / "d2l.json"]
    assert records.load(published[0]) == good_record()
    assert [r["key"] for r in records.load_all(tmp_path / "book" / "records")] == ["lenet/d2l", "mlp/relu"]
    assert sorted(p.name for p in (tmp_path / "book").iterdir()) == ["records"]  # no staging folder left


def test_publish_with_a_bad_record_changes_nothing(tmp_path):
    write_build_record(tmp_path, good_record())
    bad = write_build_record(tmp_path, {**good_record(), "key": "mlp/relu"})
    bad.write_text(bad.read_text(encoding="utf-8").replace('"schema": 1', '"schema": 2'), encoding="utf-8")
    with pytest.raises(records.RecordError, match=r"relu\.json: unknown schema version 2"):
        records.publish(tmp_path, log=lambda _: None)
    assert not (tmp_path / "book").exists() or not any((tmp_path / "book").rglob("*"))


def test_publish_failing_midway_leaves_the_records_as_they_were(tmp_path, monkeypatch):
    target = tmp_path / "book" / "records" / "lenet"
    target.mkdir(parents=True)
    (target / "d2l.json").write_text(records.dumps(good_record()), encoding="utf-8")
    write_build_record(tmp_path, {**good_record(), "commit": "def5678"})
    write_build_record(tmp_path, {**good_record(), "key": "mlp/relu"})
    real_copyfile = records.shutil.copyfile

    def copy_then_fail(src, dst, **kwargs):  # the second build record fails to copy, the first got through
        if Path(src).name == "relu.json":
            raise OSError("disk full")
        return real_copyfile(src, dst, **kwargs)

    monkeypatch.setattr(records.shutil, "copyfile", copy_then_fail)
    with pytest.raises(OSError, match="disk full"):
        records.publish(tmp_path, log=lambda _: None)
    assert records.load(target / "d2l.json")["commit"] == "abc1234"  # the old record, untouched
    assert sorted(p.name for p in (tmp_path / "book").iterdir()) == ["records"]
    assert sorted(p.name for p in (tmp_path / "book" / "records").iterdir()) == ["lenet"]


def test_the_command_line_says_what_is_wrong_in_one_line(tmp_path):
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: intro\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "mlbook.records", "publish", "--root", str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "no records" in result.stderr


def test_the_readme_table_is_the_records_table():
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    start, end = records.README_START, records.README_END
    assert start in readme and end in readme, "the README lost the markers around its records table"
    assert readme.split(start)[1].split(end)[0] == records.markdown_table(root), "run `make records`"
    assert records.load_all(root / "book" / "records"), "the repository has no records"


def test_the_commit_is_dirty_only_where_the_run_s_files_changed(tmp_path, monkeypatch):
    monkeypatch.delenv("MLBOOK_COMMIT", raising=False)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(tmp_path)]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "used.py").write_text("a = 1\n", encoding="utf-8")
    (tmp_path / "other.md").write_text("prose\n", encoding="utf-8")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    head = subprocess.run([*git, "rev-parse", "--short=7", "HEAD"], capture_output=True, text=True).stdout.strip()
    (tmp_path / "other.md").write_text("new prose\n", encoding="utf-8")
    assert records.commit(tmp_path, ["used.py"]) == head
    (tmp_path / "used.py").write_text("a = 2\n", encoding="utf-8")
    assert records.commit(tmp_path, ["used.py"]) == head + "-dirty"
    monkeypatch.setenv("MLBOOK_COMMIT", "given")
    assert records.commit(tmp_path, ["used.py"]) == "given"
    assert records.commit(tmp_path / "nowhere") == "given"


def test_make_records_updates_the_readme_table(tmp_path):
    (tmp_path / "README.md").write_text(f"# Book\n\n{records.README_START}old\n{records.README_END}\n\nmore\n",
                                        encoding="utf-8")
    write_build_record(tmp_path, good_record())
    records.publish(tmp_path, log=lambda _: None)
    assert records.update_readme(tmp_path)
    text = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "| lenet/d2l | NVIDIA H100 80GB HBM3 | 2026-12-06 | abc1234 | 60,000 | 2 | 0.700 | 1.1 | 110,000 |" in text
    assert text.startswith("# Book\n") and text.endswith(f"{records.README_END}\n\nmore\n") and "old" not in text
    assert not records.update_readme(tmp_path)  # already up to date
