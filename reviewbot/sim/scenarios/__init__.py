"""One module per race scenario; each defines SCENARIO (see reviewbot.sim.registry)."""
