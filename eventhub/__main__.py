"""`python -m eventhub`: the `eventhub` command (used to start the worker beside the
development server with the same interpreter)."""

from eventhub.cli import main

if __name__ == "__main__":
    main()
