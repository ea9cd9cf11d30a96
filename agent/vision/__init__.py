"""Perception from the camera alone: RGB-D frame and calibration in; instances, descriptions and state out.

``frames`` is what the agent receives (pixels, depth, the camera's calibration and the robot's own joints);
``segmenter`` turns a frame into instances; ``describe`` names them; ``state`` computes the symbolic state
from their boxes. ``scenes``, ``data``, ``train`` and ``scoring`` use the simulator's ground truth and exist
for training and measurement only: the agent's path never imports them.
"""
