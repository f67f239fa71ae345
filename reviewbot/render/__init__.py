"""Renderers: PatchReports -> email drafts, b4 check JSON, terse lines, terminal text.

Everything here is pure: it returns strings or ``EmailMessage`` objects and never
reads files, prints, or sends mail (only ``reviewbot.commands.check`` does I/O).
"""
