"""User-facing errors: one line that names the file, line or key and says what to do."""

from __future__ import annotations

EXIT_USER_ERROR = 2


class UserError(Exception):
    """Bad input from the user; the CLI prints it on one line and exits with code 2."""

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        self.where = where
        self.hint = hint
        self.message = message
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """Render as ``where: message; hint`` on a single line."""
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text = f"{text}; {self.hint}"
        return " ".join(text.split())


class ConfigError(UserError):
    """The config file is missing, malformed or invalid."""


class DataError(UserError):
    """The article data is missing or malformed."""


class ModelError(UserError):
    """A model could not be found or loaded."""


EXIT_SERVICE_ERROR = 3


class ServiceError(UserError):
    """A served model stayed unreachable or failing after every retry. Everything generated
    so far is in the cache; the CLI exits with code 3 and says how to resume."""
