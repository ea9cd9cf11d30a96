"""PyBullet manipulation environments with a Franka Panda, registered as ``nesy/<Task>-v0``."""

import gymnasium as gym

from envs.scenes import SCENES

ENV_IDS = {task: f"nesy/{task.capitalize()}-v0" for task in SCENES}

for _task, _env_id in ENV_IDS.items():
    if _env_id not in gym.registry:
        gym.register(id=_env_id, entry_point="envs.task_env:TaskEnv", kwargs={"task": _task},
                     max_episode_steps=1000)

#: learned skills' training environments (``policies/skill_envs.py``), one operator per episode
SKILL_ENV_IDS = {"pick": "nesy/PickSkill-v0", "place": "nesy/PlaceSkill-v0"}

for _skill, _env_id in SKILL_ENV_IDS.items():
    if _env_id not in gym.registry:
        gym.register(id=_env_id, entry_point=f"policies.skill_envs:{_skill.capitalize()}SkillEnv")
