"""Rashomon's exception tree.

::

    RashomonError              base of everything Rashomon raises on purpose
    ├── InputError             an input cannot be read or understood
    │   └── UnsupportedInput   the file type is not one Rashomon reads
    ├── ConfigError            a setting has a wrong name or value
    ├── StoreError             the workspace database cannot be used
    ├── NotFound               an id asked for does not exist
    └── QueryError             a search query cannot be read (rashomon.search)

Bad articles inside a batch never raise: they become
:class:`rashomon.records.Rejected` records. These exceptions are for the
caller's own mistakes; each message says what to do next.
"""


class RashomonError(Exception):
    """Base class for all errors raised by Rashomon."""


class InputError(RashomonError):
    """An input cannot be read or understood."""


class UnsupportedInput(InputError):
    """The file type is not one Rashomon reads."""


class ConfigError(RashomonError):
    """A setting has an unknown name or an invalid value."""


class StoreError(RashomonError):
    """The workspace database cannot be opened or written."""


class NotFound(RashomonError):
    """An id that was asked for does not exist."""


class QueryError(RashomonError):
    """A search query cannot be read: the message says where and how to write it instead."""
