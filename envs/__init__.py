"""PyBullet manipulation environments with a Franka Panda.

The task environments are registered with gymnasium as ``nesy/<Task>-v0`` where they live, in
``envs/task_env.py``: importing it (or anything that uses ``TaskEnv``) registers them. This package's own
import stays free of gymnasium and numpy, so that the lowest layer's errors and names of choices cost nothing
to import.
"""
