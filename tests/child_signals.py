"""Signal set-up of the child processes that tests interrupt."""


def sigint_as_on_a_terminal() -> None:
    """``preexec_fn`` for a child that a test interrupts with SIGINT: SIGINT back to its default.

    A shell without job control starts background commands (``cmd &``, ``nohup``) with
    SIGINT ignored, and an ignored signal stays ignored across ``exec``: Python then
    installs no KeyboardInterrupt handler, and a test run started that way would see
    ``asc`` ignore Ctrl-C, as it should in such a job. The tests of Ctrl-C are about what a
    user at a terminal gets, so their child starts with SIGINT at its default.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
