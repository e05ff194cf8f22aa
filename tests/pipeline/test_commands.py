"""The `p4lab` command as a user runs it: real processes, real exit codes, no leftovers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reference import samples

P4LAB = str(Path(sys.executable).parent / "p4lab")


def run(args: list[str], env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([P4LAB, *args], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """A private state directory: the emulator these tests start is theirs alone."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(P4LAB_STATE_DIR=str(tmp_path / "state"), P4LAB_OWNER="cli-tester", COLUMNS="200")
    return env


def processes_marked_with(state_dir: str) -> list[int]:
    """Every live process whose environment carries our state dir: the emulator and its workers."""
    marker = f"P4LAB_STATE_DIR={state_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0") and b"Z" not in (entry / "stat").read_bytes().rsplit(b")", 1)[1][:3]:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.e2e
def test_up_deploy_upload_destroy_down_leaves_no_process(cli_env: dict[str, str], tmp_path: Path) -> None:
    started = run(["up"], cli_env)
    assert started.returncode == 0
    # What it prints works for the AWS CLI (AWS_REGION) and boto3 (AWS_DEFAULT_REGION) alike.
    assert "AWS_REGION=us-east-1" in started.stdout and "AWS_DEFAULT_REGION=us-east-1" in started.stdout
    try:
        assert processes_marked_with(cli_env["P4LAB_STATE_DIR"]), "the emulator should be running"
        deployed = run(["deploy"], cli_env)
        assert deployed.returncode == 0, deployed.stderr
        photo = tmp_path / "sea view.jpg"
        samples.photo(640, 480, seed=5).save(photo, "JPEG")
        uploaded = run(["upload", str(photo), "--wait"], cli_env)
        assert uploaded.returncode == 0, uploaded.stderr
        assert "DONE" in uploaded.stdout
        listed = run(["status"], cli_env)
        assert "sea view.jpg" in listed.stdout and "cloudfront.localhost" in listed.stdout
        assert run(["destroy"], cli_env).returncode == 0
    finally:
        down = run(["down"], cli_env)
    assert down.returncode == 0, down.stderr
    assert processes_marked_with(cli_env["P4LAB_STATE_DIR"]) == []


@pytest.mark.e2e
def test_ctrl_c_during_demo_stops_emulator_and_workers(cli_env: dict[str, str]) -> None:
    demo = subprocess.Popen([P4LAB, "demo"], env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # Interrupt once uploads are being processed, i.e. Lambda workers exist.
        deadline = time.monotonic() + 60
        for line in demo.stdout:  # type: ignore[union-attr]
            if "Uploaded" in line or time.monotonic() > deadline:
                break
        assert processes_marked_with(cli_env["P4LAB_STATE_DIR"])
        demo.send_signal(signal.SIGINT)
        demo.wait(timeout=60)
    finally:
        if demo.poll() is None:
            demo.kill()
    assert demo.returncode != 0
    time.sleep(0.5)
    assert processes_marked_with(cli_env["P4LAB_STATE_DIR"]) == []


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["deploy"], 1, "No embedded emulator is running"),
        (["status"], 1, "No embedded emulator is running"),
        (["deploy", "--target", "mars"], 2, "'mars' is not one of"),
        (["deploy", "--parameter", "oops"], 2, "must look like Name=value"),
        (["down"], 0, "No embedded emulator is running"),
    ],
)
def test_bad_input_gets_a_message_and_exit_code_not_a_traceback(
    cli_env: dict[str, str], args: list[str], code: int, message: str
) -> None:
    result = run(args, cli_env, timeout=60)
    assert result.returncode == code, result.stdout + result.stderr
    assert message in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_upload_of_a_missing_or_unsupported_file(cli_env: dict[str, str], tmp_path: Path) -> None:
    """Checked before anything is sent; exit code 2 like other usage errors."""
    from reference.errors import UserError
    from reference.targets import Target, TargetName
    from reference.upload import upload_file

    unreachable = Target(TargetName.localstack, session=None, endpoint_url="http://127.0.0.1:9")  # type: ignore[arg-type]

    text = tmp_path / "notes.txt"
    text.write_text("hello")
    outputs = {"TableName": "t", "IngestBucketName": "b"}
    for path, expected in ((tmp_path / "missing.jpg", "is not a file"), (text, "text/plain, which is not accepted")):
        with pytest.raises(UserError) as caught:
            upload_file(unreachable, outputs, path, "cli-tester")
        assert expected in str(caught.value) and caught.value.exit_code == 2
