"""The cheating fixtures are student code for the grader, not tests or modules of ours."""

collect_ignore_glob = ["cheats/*", "wrong/*"]
