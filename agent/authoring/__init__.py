"""Tools for writing PDDL domains: ``nesy domain check``, ``nesy domain new`` and ``nesy plan``."""
