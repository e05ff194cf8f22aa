"""The one exception the CLI turns into a clear message and a non-zero exit."""


class UserError(Exception):
    """Something the user can fix (bad input, missing emulator, failed deploy).

    The CLI prints the message without a traceback and exits with ``exit_code``.
    """

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
