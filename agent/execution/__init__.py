"""The episode loop (perceive, plan, act, monitor, replan) and the monitor that compares expected and detected
atoms."""
