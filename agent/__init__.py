"""nesy agent: perceive, plan, act and align around a PyBullet robot arm."""
