"""reviewbot: evidence-backed review of Linux kernel filesystem and mm patches."""

__version__ = "0.1.0"
