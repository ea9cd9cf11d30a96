"""World-model alignment: learn the rules a PDDL domain is missing from logged execution.

``transitions`` logs what happened, ``mismatch`` compares it with the domain's prediction, ``learner``
repairs preconditions and effects, ``writer`` writes the aligned domain, ``mpc`` acts with it, and
``command`` is ``nesy align``.
"""
