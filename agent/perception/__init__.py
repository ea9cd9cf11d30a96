"""Perception: read the goal of an instruction from the camera image.

``observation`` renders what the network sees, ``language`` writes instructions with their canonical
goals, ``dataset`` builds the splits, ``text`` wraps the frozen sentence model, ``model`` is GoalNet,
``decoder`` makes its reading consistent, ``train`` trains it and ``predictor`` is what the agent loads.
"""
