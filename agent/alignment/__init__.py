"""World-model alignment: learn the rules a PDDL domain is missing from logged execution.

``transitions`` logs what happened, ``mismatch`` compares it with the domain's prediction, ``learner``
repairs preconditions and effects, ``writer`` writes the aligned domain, ``plan_check`` and ``mpc`` act
with it, ``session`` runs and evaluates an alignment, and ``command`` is ``nesy align``.
"""
